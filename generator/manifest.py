"""The build manifest: what produced each output, so rebuilds skip what has not changed.

`DIR/.policygen-manifest.json` records, per output stem (the path under DIR without
extension) and per format, the hash of the facts file's raw bytes, the templates it was
rendered from (with their hashes), the catalog fingerprint and the code that ran. It
also keeps the policy's "Last updated" date and the history of every version.

This module stays light (no YAML parser, Jinja or pydantic): an unchanged rebuild of
a thousand files reads the manifest and hashes bytes, nothing more.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__
from generator.output import write_atomic
from generator.resources import PACKAGE_DIR, TEMPLATES_DIR  # noqa: F401 - TEMPLATES_DIR is imported from here

MANIFEST_NAME = ".policygen-manifest.json"
MANIFEST_FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_tree(root: Path, pattern: str) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): sha256(path.read_bytes())
            for path in sorted(root.rglob(pattern)) if path.is_file()}


@dataclass
class Fingerprints:
    """What every output depends on besides its facts file, hashed once per run."""

    templates: dict[str, str]   # template path under templates/ → sha256 of its bytes
    catalog: str
    code: str                   # policygen version and the hash of its Python sources
    _combined: dict[tuple, str | None] = field(default_factory=dict)

    @classmethod
    def current(cls) -> "Fingerprints":
        from generator.catalog import fingerprint  # noqa: PLC0415

        code = hashlib.sha256(__version__.encode())
        for name, digest in _hash_tree(PACKAGE_DIR, "*.py").items():
            code.update(f"{name}\0{digest}\n".encode())
        return cls(_hash_tree(TEMPLATES_DIR, "*"), fingerprint(), f"{__version__}+{code.hexdigest()[:16]}")

    def templates_hash(self, names) -> str | None:
        """One hash over the given templates; None when one of them no longer exists."""
        key = tuple(names)
        if key not in self._combined:
            digest = hashlib.sha256()
            for name in key:
                file_hash = self.templates.get(name)
                if file_hash is None:
                    self._combined[key] = None
                    break
                digest.update(f"{name}\0{file_hash}\n".encode())
            else:
                self._combined[key] = digest.hexdigest()
        return self._combined[key]


@dataclass(frozen=True)
class Version:
    """One version of a policy: the date it shows, and what it was built from."""

    date: str          # ISO date shown as "Last updated"
    facts: str         # sha256 of the facts file's bytes
    content: str       # sha256 of the rendered sections (title, ids, numbers and text)

    def as_dict(self) -> dict:
        return {"date": self.date, "facts": self.facts, "content": self.content}


def output_record(folder: Path, file: Path, facts_hash: str, templates: list[str], fingerprints: Fingerprints) -> dict:
    return {
        "file": file.relative_to(folder.resolve()).as_posix(),
        "size": file.stat().st_size,
        "facts": facts_hash,
        "templates": templates,
        "templates_hash": fingerprints.templates_hash(templates),
        "catalog": fingerprints.catalog,
        "policygen": fingerprints.code,
    }


def is_current(record: dict | None, facts_hash: str, fingerprints: Fingerprints, folder: Path) -> bool:
    """True when the output exists as written and nothing it was built from has changed."""
    if not record:
        return False
    if (record.get("facts") != facts_hash or record.get("catalog") != fingerprints.catalog
            or record.get("policygen") != fingerprints.code):
        return False
    templates = record.get("templates")
    if not isinstance(templates, list):
        return False
    expected = fingerprints.templates_hash(templates)
    if expected is None or expected != record.get("templates_hash"):
        return False
    try:
        return (folder / record["file"]).stat().st_size == record.get("size")
    except (OSError, KeyError, TypeError):
        return False


def current_version(entry: dict | None) -> Version | None:
    if not entry or not isinstance(entry.get("current"), dict):
        return None
    try:
        return Version(**entry["current"])
    except TypeError:
        return None


def updated_entry(entry: dict | None, source: str, version: Version, records: dict[str, dict]) -> dict:
    """The entry after a build: new output records, current version, history grown by one when it changed."""
    entry = dict(entry or {})
    history = [h for h in entry.get("history", []) if isinstance(h, dict)]
    if not history or history[-1] != version.as_dict():
        history.append(version.as_dict())
    outputs = dict(entry.get("outputs", {}))
    outputs.update(records)
    return {"source": source, "current": version.as_dict(), "history": history, "outputs": outputs}


class Manifest:
    """The manifest of one output folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self.entries: dict[str, dict] = self._read()

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except (OSError, ValueError):
            return {}   # an unreadable manifest only costs a full rebuild
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("entries"), dict):
            return {}
        return data["entries"]

    def save(self, changed: dict[str, dict]) -> None:
        """Merge `changed` into the manifest on disk, under a lock, so parallel runs into one folder add up."""
        if not changed:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder):
            entries = self._read()
            entries.update(changed)
            self.entries = entries
            data = {"format": MANIFEST_FORMAT, "generator": f"policygen {__version__}",
                    "entries": dict(sorted(entries.items()))}
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8") + b"\n")


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on the output folder itself: nothing is left behind, no lock file."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows: runs into one folder are not coordinated
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
