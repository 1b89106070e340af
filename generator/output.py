"""Writing output files: atomically, and never outside the output folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from generator.errors import OutputError


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


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, text.encode("utf-8"))
