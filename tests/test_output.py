"""Output files: never outside the output folder, never half-written."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from generator.errors import OutputError
from generator.output import check_file, check_folder, safe_target, write_atomic


@pytest.mark.parametrize("relative", ["../escape.html", "a/../../escape.html", "/etc/passwd"])
def test_paths_outside_the_folder_are_refused(tmp_path, relative):
    with pytest.raises(OutputError):
        safe_target(tmp_path / "out", relative)


def test_a_symlink_cannot_lead_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError):
        safe_target(out, "link/escape.html")


def test_nested_paths_inside_are_fine(tmp_path):
    assert safe_target(tmp_path, "eu/acme.html") == (tmp_path / "eu" / "acme.html").resolve()


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "p.html"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["p.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "p.html"
    write_atomic(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["p.html"]


# -- every way a write can fail is one OutputError line naming the place ------------------

def test_below_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "f" / "sub" / "p.html", b"x")
    assert str(caught.value).startswith(f"{tmp_path / 'f' / 'sub'}: cannot write output here: ")
    assert "is a file, not a folder" in str(caught.value)


def test_onto_a_folder(tmp_path):
    (tmp_path / "p.html").mkdir()
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "p.html", b"x")
    assert str(caught.value) == f"{tmp_path / 'p.html'}: cannot write output here: is a folder; give the name of a file"


def test_onto_a_device_or_fifo_nothing_is_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, Path(os.devnull)):
        with pytest.raises(OutputError) as caught:
            write_atomic(target, b"x")
        assert "is not a regular file" in str(caught.value)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("code,reason", [(errno.ENOSPC, "no space left on the device"),
                                         (errno.EROFS, "the file system is read-only"),
                                         (errno.EACCES, "permission denied"), (errno.EDQUOT, "the disk quota is used up")])
@pytest.mark.parametrize("stage", ["mkstemp", "write", "replace", "mkdir"])
def test_a_failing_system_call(tmp_path, monkeypatch, code, reason, stage):
    import tempfile

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    target = tmp_path / "sub" / "p.html"
    if stage != "mkdir":
        target.parent.mkdir()
    if stage == "write":
        real_fdopen = os.fdopen

        class Broken:
            def __init__(self, fd):
                self.fh = real_fdopen(fd, "wb")

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, data):
                fail()

        monkeypatch.setattr(os, "fdopen", lambda fd, mode: Broken(fd))
    else:
        monkeypatch.setattr({"mkstemp": tempfile, "replace": os, "mkdir": Path}[stage], stage, fail)
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"new")
    assert str(caught.value) == f"{target.parent}: cannot write output here: {reason}"
    assert not target.exists()
    if target.parent.exists():
        assert os.listdir(target.parent) == []


def test_check_folder_creates_nothing_and_accepts_a_new_path(tmp_path):
    check_folder(tmp_path / "a" / "b" / "c")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["file", "below file", "devnull", "fifo"])
def test_check_folder_refuses_what_is_not_a_folder(tmp_path, where):
    (tmp_path / "f").write_text("x")
    os.mkfifo(tmp_path / "pipe")
    folder = {"file": tmp_path / "f", "below file": tmp_path / "f" / "x" / "y", "devnull": Path(os.devnull),
              "fifo": tmp_path / "pipe"}[where]
    with pytest.raises(OutputError) as caught:
        check_folder(folder)
    assert str(caught.value).startswith(f"{folder}: cannot write output here: ") and "not a folder" in str(caught.value)


def test_check_folder_refuses_a_folder_it_may_not_write(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: mode == os.F_OK)
    with pytest.raises(OutputError) as caught:
        check_folder(tmp_path / "new")
    assert str(caught.value) == f"{tmp_path / 'new'}: cannot write output here: permission denied in {tmp_path}"


def test_check_file_refuses_a_folder(tmp_path):
    with pytest.raises(OutputError) as caught:
        check_file(tmp_path)
    assert "is a folder; give the name of a file" in str(caught.value)


def test_a_folder_without_write_permission_is_refused_even_for_root(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError) as caught:
            check_folder(folder / "out")
        assert str(caught.value) == f"{folder / 'out'}: cannot write output here: permission denied in {folder}"
        with pytest.raises(OutputError):
            write_atomic(folder / "p.html", b"x")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)
