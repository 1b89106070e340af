"""A per-user cache of compiled templates, so a fresh process does not recompile the clause library.

Jinja checks each cached entry against the template's source, so an edited template is
recompiled; the folder name carries the policygen version. A cache that cannot be created or
written only costs speed: rendering never fails because of it.

A cache entry is code that runs when a policy is rendered, so whoever can write to the
cache folder can run code as the user. The folder is used only when it is private: every
folder policygen creates for it is made with mode 0o700, and the cache folder and its parent
(the one `POLICYGEN_CACHE_DIR` names, or `policygen/` in the user cache folder) must be real
folders, not symbolic links, owned by the user and not writable by group or others.
Otherwise there is no on-disk cache. Each entry is checked the same way before it is loaded.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

from generator import __version__

log = logging.getLogger(__name__)


def _unsafe(info: os.stat_result) -> str | None:
    """Why a file or folder with this lstat/fstat is not safe to trust; None when it is."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if info.st_uid != os.getuid():
        return f"is owned by uid {info.st_uid}, not by this user ({os.getuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


class _PrivateBytecodeCache(FileSystemBytecodeCache):
    def load_bytecode(self, bucket) -> None:
        # Checked on the open file, so it cannot be swapped between the check and the read.
        try:
            file = open(self._get_cache_filename(bucket), "rb")  # noqa: SIM115 - closed below
        except OSError:
            return
        with file:
            info = os.fstat(file.fileno())
            reason = "is not a regular file" if not stat.S_ISREG(info.st_mode) else _unsafe(info)
            if reason:
                log.debug("template cache entry %s %s: not loaded", file.name, reason)
                return
            bucket.load_bytecode(file)

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)   # a temporary file (mode 0o600), renamed into place
        except OSError:
            pass


def cache_base() -> Path | None:
    """$POLICYGEN_CACHE_DIR, else policygen/ in $XDG_CACHE_HOME or ~/.cache; None when it is "off"."""
    setting = os.environ.get("POLICYGEN_CACHE_DIR")
    if setting == "off":
        return None
    if setting:
        return Path(setting).absolute()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():   # the XDG spec: a relative path is to be ignored
        return Path(xdg) / "policygen"
    try:
        return Path.home() / ".cache" / "policygen"
    except RuntimeError:   # no home folder to be found
        return None


def _make_private(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents, each with mode 0o700; the ones that were missing."""
    missing = []
    path = folder
    while not os.path.lexists(path):   # lexists: a dangling symbolic link is not "missing"
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass   # made by a concurrent run meanwhile; checked below like any other
    return missing


def _unsafe_folder(path: Path) -> str | None:
    info = os.lstat(path)
    return _unsafe(info) or (None if stat.S_ISDIR(info.st_mode) else "is not a folder")


def _refused(path: Path, why: str) -> None:
    log.debug("no template cache: %s %s", path, why)


def private_folder(base: Path) -> Path | None:
    """`base/templates-<version>`, created if needed; None when any folder it relies on is unsafe."""
    if not hasattr(os, "getuid"):   # no owner to check (Windows): no on-disk cache
        return None
    folder = base / f"templates-{__version__}"
    try:
        if os.path.lexists(base) and (why := _unsafe_folder(base)):   # before anything is made in it
            return _refused(base, why)
        created = _make_private(folder)
        for path in dict.fromkeys([*reversed(created), base, folder]):
            if why := _unsafe_folder(path):
                return _refused(path, why)
    except OSError as exc:
        return _refused(folder, f"cannot be used: {exc}")
    if not os.access(folder, os.W_OK | os.X_OK):
        return _refused(folder, "is not writable")
    return folder


def bytecode_cache() -> FileSystemBytecodeCache | None:
    """The cache for this user, or None when it is switched off or its folder is not safe."""
    base = cache_base()
    folder = private_folder(base) if base else None
    return _PrivateBytecodeCache(str(folder)) if folder else None
