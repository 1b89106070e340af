"""Which facts files a batch builds, where each one's outputs go, and which shard it falls in."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Item:
    path: Path     # the facts file, as found from the paths given
    stem: str      # where its outputs go under the output folder, without extension (posix)


def discover(paths: list[str]) -> tuple[list[Item], dict[str, list[Path]]]:
    """Every facts file under `paths`, sorted by output stem, and the stems claimed twice.

    A file given directly goes to `<stem>`; a file found in a folder keeps its place
    below that folder (below the common parent when several folders are given), so two
    files with the same name in different folders never write the same output.
    """
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    folders = [Path(p) for p in paths if os.path.isdir(p)]
    base = os.path.commonpath([os.path.abspath(f) for f in folders]) if folders else None
    claims: dict[str, list[Path]] = {}
    seen: set[Path] = set()
    for given in paths:
        for path, stem in _files(Path(given), base):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            claims.setdefault(stem, []).append(path)
    items = [Item(found[0], stem) for stem, found in sorted(claims.items()) if len(found) == 1]
    clashes = {stem: found for stem, found in sorted(claims.items()) if len(found) > 1}
    return items, clashes


def _files(given: Path, base: str | None):
    if not given.is_dir():
        if given.stem in ("", ".", ".."):
            raise UsageError(f"{given}: cannot name the output files after this file (its name without the "
                             f"extension is {given.stem!r}); rename it, such as to acme.yaml")
        yield given, given.stem
        return
    for folder, subfolders, files in os.walk(given):
        # Hidden folders (.git, .venv) hold no client facts.
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                path = Path(folder) / name
                relative = Path(os.path.relpath(os.path.abspath(path), base))
                yield path, relative.with_suffix("").as_posix()


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"--shard: must be K/N such as 2/8, got {text!r}")
    k, n = int(match[1]), int(match[2])
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard: K must be between 1 and N (N at least 1), got {text!r}")
    return k, n


def shard_of(stem: str, count: int) -> int:
    """The 1-based shard of an output stem: a hash, so it is the same on every machine and
    stays put when other files are added or removed."""
    return int.from_bytes(hashlib.sha256(stem.encode("utf-8")).digest()[:8], "big") % count + 1


def select_shard(items: list[Item], shard: tuple[int, int] | None) -> list[Item]:
    if shard is None:
        return items
    k, n = shard
    return [item for item in items if shard_of(item.stem, n) == k]
