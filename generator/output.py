"""Writing output files: atomically, never outside the output folder, one clear line when it cannot be done."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from generator.errors import OutputError

# What an OSError means for someone who asked for output in a folder, in their words.
_REASONS = {
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EEXIST: "is a file, not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EISDIR: "is a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "too many symbolic links",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno) or (exc.strerror or str(exc)).lower()


def cannot_write(place: Path, reason: str) -> OutputError:
    return OutputError(f"{place}: cannot write output here: {reason}")


def check_folder(folder: Path) -> None:
    """Refuse, before any work is done, an output folder that cannot be created or written.

    Nothing is created here. The nearest part of the path that exists must be a folder
    this process may write in; the writes themselves still report what this cannot foresee
    (a full disk).
    """
    folder = Path(folder)
    probe = folder
    while True:
        try:
            info = os.stat(probe)
            break
        except FileNotFoundError:
            if probe.parent == probe:
                return
            probe = probe.parent
        except OSError as exc:
            raise cannot_write(folder, _reason(exc)) from None
        except ValueError as exc:  # a NUL byte in the name
            raise cannot_write(folder, str(exc)) from None
    if not stat.S_ISDIR(info.st_mode):
        what = "is a file, not a folder" if stat.S_ISREG(info.st_mode) else "is not a folder"
        reason = what if probe == folder else f"{probe} {what}"
        raise cannot_write(folder, reason)
    # root may write anywhere; a folder nobody may write to is still meant to be read-only.
    read_only = os.geteuid() == 0 and not info.st_mode & 0o222 if hasattr(os, "geteuid") else False
    if read_only or not os.access(probe, os.W_OK | os.X_OK):
        if os.access(probe, os.F_OK) and _read_only_fs(probe):
            raise cannot_write(folder, "the file system is read-only")
        raise cannot_write(folder, "permission denied" if probe == folder else f"permission denied in {probe}")


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_file(target: Path) -> None:
    """Refuse an output file that is a folder, a device or a FIFO, or whose folder cannot be written."""
    target = Path(target)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        check_folder(target.parent)  # names the folder when the folder is what is wrong
        raise cannot_write(target, _reason(exc)) from None
    except ValueError as exc:
        raise cannot_write(target, str(exc)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise cannot_write(target, "is a folder; give the name of a file")
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise cannot_write(target, "is not a regular file (a device, FIFO or socket)")
    check_folder(target.parent)


def safe_target(out_dir: Path, relative: Path | str) -> Path:
    """`out_dir/relative`, refusing any path that would land outside `out_dir`."""
    root = out_dir.resolve()
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise OutputError(f"{relative}: output path must stay inside {out_dir}")
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise OutputError(f"{relative}: output path must stay inside {out_dir}")
    return target


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise cannot_write(folder, "is a file, not a folder") from None
    except OSError as exc:
        raise cannot_write(folder, _reason(exc)) from None


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file.

    Any failure (a read-only folder, a full disk, a folder where the file should be)
    becomes one OutputError line, and the old file, if any, is left as it was.
    """
    target = Path(target)
    check_file(target)
    _make_folder(target.parent)
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException as exc:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise cannot_write(target.parent if exc.errno != errno.EISDIR else target, _reason(exc)) from None
        raise


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, text.encode("utf-8"))
