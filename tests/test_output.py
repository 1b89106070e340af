"""Output files: never outside the output folder, never half-written."""

from __future__ import annotations

import os

import pytest

from generator.errors import OutputError
from generator.output import safe_target, write_atomic


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
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["p.html"]
