"""A per-user cache of compiled templates, so a fresh process does not recompile the clause library.

Jinja checks each cached entry against the template's source, so an edited template is
recompiled; the folder name carries the policygen version. A cache that cannot be created or
written only costs speed: rendering never fails because of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

from generator import __version__


class _QuietBytecodeCache(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def bytecode_cache() -> FileSystemBytecodeCache | None:
    """The cache under $POLICYGEN_CACHE_DIR or the user cache folder; none when it is "off" or unwritable."""
    setting = os.environ.get("POLICYGEN_CACHE_DIR")
    if setting == "off":
        return None
    base = Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policygen"
    folder = base / f"templates-{__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    if not os.access(folder, os.W_OK | os.X_OK):
        return None
    return _QuietBytecodeCache(str(folder))
