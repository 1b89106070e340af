"""One error hierarchy: the CLI prints these and maps them to exit codes."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

# A facts file is a few kilobytes; anything near this is a mistake or an attack.
MAX_FACTS_BYTES = 1_000_000

# Characters that must never reach a terminal raw: C0 and C1 controls, DEL, the
# bidirectional overrides and isolates that make text read differently from its bytes,
# lone surrogates (which cannot even be encoded), and the invisible format characters.
_SUSPECT = re.compile("[^\x20-\x7e\xa1-\xac\xae-\u200a\u2010-\u2027\u2030-\u205e\u2070-\ud7ff\ue000-\ufefe\uff00-\ufff8]")


def printable(text: str) -> str:
    """`text` with every control, bidi, surrogate or invisible character shown as an escape (\\x1b, \\u202e)."""
    def escape(match: re.Match) -> str:
        char = match[0]
        code = ord(char)
        if code in (9, 10, 13):
            return {9: "\\t", 10: "\\n", 13: "\\r"}[code]
        if code > 0x9f and unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp", "Cn"):
            return char
        return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return _SUSPECT.sub(escape, text)


class PolicygenError(Exception):
    """Base of every error policygen reports to a user."""

    exit_code = EXIT_FAILED

    def lines(self) -> list[str]:
        return [str(self)]


class UsageError(PolicygenError):
    """The command line itself is wrong."""

    exit_code = EXIT_BAD_INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where, which key, what was wrong."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        # File names, keys and messages can carry what a hostile file typed: one clean line each.
        return printable(f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}")


class FactsError(PolicygenError):
    """A facts file cannot be read or does not validate; nothing is written."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class TemplateError(PolicygenError):
    """A clause template failed to render: a bug in the clause library, not in the facts."""


class IncompleteError(PolicygenError):
    """--strict: the policy misses a required disclosure or has a problem `check` found; nothing is written."""

    def __init__(self, warnings: list[str], summary: str):
        self.warnings = warnings
        super().__init__(summary)

    def lines(self) -> list[str]:
        return [*self.warnings, str(self)]


class OutputError(PolicygenError):
    """An output file could not be written where it was asked for."""

    exit_code = EXIT_BAD_INPUT


def read_facts_bytes(path: Path) -> bytes:
    """A facts file's bytes, or one FactsError line saying why it cannot be read.

    Only a regular file of at most MAX_FACTS_BYTES is read: a FIFO, a device such as
    /dev/zero or a huge file would otherwise block or fill memory. Kept here, away from
    the YAML parser, so that an unchanged batch can hash its inputs without importing it.
    """
    def refuse(reason: str) -> FactsError:
        return FactsError([Problem(str(path), None, "", reason)])

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder, not a facts file")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not a regular file (a device, FIFO or socket); give a facts file")
        if info.st_size > MAX_FACTS_BYTES:
            raise refuse(f"file is too large ({info.st_size} bytes; a facts file has at most {MAX_FACTS_BYTES})")
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it does not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise refuse("is not a regular file (a device, FIFO or socket); give a facts file")
            chunks, size = [], 0
            while size <= MAX_FACTS_BYTES:
                chunk = os.read(fd, MAX_FACTS_BYTES + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except FactsError:
        raise
    except FileNotFoundError:
        raise refuse("file not found") from None
    except (NotADirectoryError, IsADirectoryError) as exc:
        raise refuse("is a folder, not a facts file" if isinstance(exc, IsADirectoryError)
                     else "file not found (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL byte in the path
        raise refuse(f"cannot read file: {exc}") from None
    if size > MAX_FACTS_BYTES:
        raise refuse(f"file is too large (more than {MAX_FACTS_BYTES} bytes)")
    return b"".join(chunks)


class CatalogError(PolicygenError):
    """A data file shipped with policygen (a catalog or a law profile) is malformed: a bug, not bad input."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def lines(self) -> list[str]:
        return list(self.problems)
