"""One error hierarchy: the CLI prints these and maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


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
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


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

    Kept here, away from the YAML parser, so that an unchanged batch can hash its inputs
    without importing it.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        reason = "file not found"
    except IsADirectoryError:
        reason = "is a folder, not a facts file"
    except OSError as exc:
        reason = f"cannot read file: {exc.strerror}"
    raise FactsError([Problem(str(path), None, "", reason)])


class CatalogError(PolicygenError):
    """A data file shipped with policygen (a catalog or a law profile) is malformed: a bug, not bad input."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def lines(self) -> list[str]:
        return list(self.problems)
