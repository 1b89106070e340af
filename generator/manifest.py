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
import sys
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


MISSING = "missing"
FACTS_CHANGED = "its facts file changed"


def staleness(record: dict | None, facts_hash: str, fingerprints: Fingerprints, folder: Path) -> str | None:
    """Why the output must be rebuilt (MISSING, or what changed since it was built); None when it is current."""
    if not record:
        return MISSING
    if record.get("facts") != facts_hash:
        return FACTS_CHANGED
    if record.get("catalog") != fingerprints.catalog:
        return "the catalogs changed"
    if record.get("policygen") != fingerprints.code:
        return "policygen itself changed"
    templates = record.get("templates")
    if not isinstance(templates, list):
        return MISSING
    expected = fingerprints.templates_hash(templates)
    if expected is None or expected != record.get("templates_hash"):
        return "a template it uses changed"
    try:
        size = (folder / record["file"]).stat().st_size
    except (OSError, KeyError, TypeError):
        return MISSING
    return None if size == record.get("size") else "the file was changed after it was built"


def is_current(record: dict | None, facts_hash: str, fingerprints: Fingerprints, folder: Path) -> bool:
    """True when the output exists as written and nothing it was built from has changed."""
    return staleness(record, facts_hash, fingerprints, folder) is None


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


# The shape of an entry, as `updated_entry` and `output_record` write it. Anything else in the
# file (edited by hand, or written by a broken tool) is treated as missing: it is rebuilt.
_RECORD_SHAPE = {"file": str, "size": int, "facts": str, "templates": list, "templates_hash": (str, type(None)),
                 "catalog": str, "policygen": str}
_VERSION_SHAPE = {"date": str, "facts": str, "content": str}


def _fits(value, shape: dict) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), kind) for key, kind in shape.items())


def well_formed(entry) -> bool:
    """True when `entry` has the shape this module writes (extra keys are allowed)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("source", ""), str):
        return False
    outputs = entry.get("outputs", {})
    if not isinstance(outputs, dict) or not all(
            _fits(record, _RECORD_SHAPE) and all(isinstance(name, str) for name in record["templates"])
            for record in outputs.values()):
        return False
    history = entry.get("history", [])
    return ((entry.get("current") is None or _fits(entry["current"], _VERSION_SHAPE))
            and isinstance(history, list) and all(_fits(version, _VERSION_SHAPE) for version in history))


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(type(value), type(value).__name__)


class Manifest:
    """The manifest of one output folder.

    A damaged manifest only costs rebuilds: a file that is not a manifest is read as an
    empty one, and an entry of the wrong shape as a missing one. Either is said once, on
    stderr, and the next save writes the manifest without it.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self._warned = False
        self._known: tuple | None = None   # the file as last read or written: entries are what it holds
        self.entries: dict[str, dict] = self._read()

    def _signature(self) -> tuple | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def _read(self) -> dict[str, dict]:
        self._known = None
        try:
            with self.path.open("rb") as file:
                info = os.fstat(file.fileno())
                raw = file.read()
            data = json.loads(raw)
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except (OSError, ValueError) as exc:
            return self._ignored(f"expected a policygen manifest (JSON), got {_why(exc)}; everything will be rebuilt")
        if not isinstance(data, dict):
            return self._ignored(f"expected a JSON object, got {_kind(data)}; everything will be rebuilt")
        if data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("entries"), dict):
            return self._ignored(f"format: expected {MANIFEST_FORMAT} with a mapping of entries, got "
                                 f"{data.get('format')!r} with {_kind(data.get('entries'))}; everything will be rebuilt")
        entries = data["entries"]
        bad = [stem for stem, entry in entries.items() if not well_formed(entry)]
        if bad:
            ignored = set(bad)
            shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            self._ignored(f"entries: expected each entry to be a mapping of outputs, current and history, "
                          f"got {len(bad)} of another shape ({shown}); they will be rebuilt")
            entries = {stem: entry for stem, entry in entries.items() if stem not in ignored}
        self._known = (info.st_ino, info.st_mtime_ns, info.st_size)
        return entries

    def _ignored(self, message: str) -> dict:
        if not self._warned:
            self._warned = True
            print(f"{self.path}: {message}", file=sys.stderr)
        return {}

    def save(self, changed: dict[str, dict]) -> None:
        """Merge `changed` into the manifest on disk, under a lock, so parallel runs into one folder add up."""
        if not changed:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder):
            # Re-read only when another run has saved since: a batch saves as it goes, and
            # parsing a large manifest each time would cost more than writing it.
            unchanged = self._known is not None and self._signature() == self._known
            entries = dict(self.entries) if unchanged else self._read()
            entries.update(changed)
            self.entries = entries
            data = {"format": MANIFEST_FORMAT, "generator": f"policygen {__version__}",
                    "entries": dict(sorted(entries.items()))}
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8") + b"\n")
            self._known = self._signature()


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
    if isinstance(exc, UnicodeDecodeError):
        return "bytes that are not UTF-8"
    return f"an unreadable file ({exc})"


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
