"""The compiled-template cache is used only in a private folder, and only private entries are loaded."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from generator import __version__, jinjacache

FOLDER = f"templates-{__version__}"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("POLICYGEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir(mode=0o700)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def cache_folder() -> Path | None:
    cache = jinjacache.bytecode_cache()
    return Path(cache.directory) if cache else None


def test_the_default_is_a_new_private_folder_in_the_home_cache(tmp_path):
    folder = cache_folder()
    assert folder == tmp_path / "home" / ".cache" / "policygen" / FOLDER
    for path in (folder, folder.parent, folder.parent.parent):   # every folder it had to create
        assert mode(path) == 0o700, path


def test_xdg_cache_home_is_used_when_absolute_and_ignored_when_relative(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "policygen" / FOLDER
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_folder() == tmp_path / "home" / ".cache" / "policygen" / FOLDER


def test_policygen_cache_dir_is_used_and_off_switches_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine" / FOLDER
    assert mode(tmp_path / "mine") == 0o700
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", "off")
    assert jinjacache.bytecode_cache() is None


@pytest.mark.parametrize("where", ["base", "folder"])
@pytest.mark.parametrize("bits", [0o777, 0o1777, 0o770])   # world-writable, /tmp-like (sticky), group-writable
def test_a_folder_others_can_write_to_is_not_used(tmp_path, monkeypatch, caplog, where, bits):
    base = tmp_path / "shared"
    (base / FOLDER).mkdir(parents=True)
    os.chmod(base if where == "base" else base / FOLDER, bits)
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(base))
    with caplog.at_level(logging.DEBUG, logger=jinjacache.__name__):
        assert jinjacache.bytecode_cache() is None
    assert "is writable by group or others" in caplog.text


def test_a_shared_policygen_folder_in_the_user_cache_is_not_used(tmp_path, monkeypatch):
    (tmp_path / "xdg" / "policygen").mkdir(parents=True)
    os.chmod(tmp_path / "xdg" / "policygen", 0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert jinjacache.bytecode_cache() is None
    assert not (tmp_path / "xdg" / "policygen" / FOLDER).exists()


def test_a_folder_owned_by_another_user_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "theirs"))
    assert cache_folder() is not None                     # created by this user: fine
    monkeypatch.setattr(jinjacache.os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)   # now someone else
    assert jinjacache.bytecode_cache() is None


@pytest.mark.parametrize("link", ["base", "folder"])
def test_a_symbolic_link_is_not_followed(tmp_path, monkeypatch, link):
    real = tmp_path / "real"
    (real / FOLDER).mkdir(parents=True, mode=0o700)
    os.chmod(real, 0o700)
    if link == "base":
        (tmp_path / "link").symlink_to(real)
        monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "link"))
    else:
        (tmp_path / "base").mkdir(mode=0o700)
        (tmp_path / "base" / FOLDER).symlink_to(real / FOLDER)
        monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "base"))
    assert jinjacache.bytecode_cache() is None


def test_a_dangling_symbolic_link_is_not_replaced_by_a_folder(tmp_path, monkeypatch):
    (tmp_path / "base").mkdir(mode=0o700)
    (tmp_path / "base" / FOLDER).symlink_to(tmp_path / "elsewhere")
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "base"))
    assert jinjacache.bytecode_cache() is None
    assert not (tmp_path / "elsewhere").exists()


def test_a_file_where_the_folder_should_be_gives_no_cache(tmp_path, monkeypatch):
    (tmp_path / "base").write_text("not a folder")
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "base"))
    assert jinjacache.bytecode_cache() is None


# --- entries -------------------------------------------------------------------------

def render_with(cache, source: str = "{{ 1 }}") -> str:
    return Environment(loader=DictLoader({"t": source}), bytecode_cache=cache).get_template("t").render()


def poison(cache) -> Path:
    """A cache entry that matches the source "{{ 1 }}" but holds the code of "{{ 2 }}"."""
    env = Environment(loader=DictLoader({}))
    bucket = cache.get_bucket(env, "t", None, "{{ 1 }}")
    bucket.code = env.compile("{{ 2 }}", "t")
    cache.set_bucket(bucket)
    return Path(cache._get_cache_filename(bucket))


def test_entries_are_written_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "cache"))
    cache = jinjacache.bytecode_cache()
    assert render_with(cache) == "1"
    entries = list(Path(cache.directory).iterdir())
    assert len(entries) == 1 and mode(entries[0]) == 0o600
    poison(cache)
    assert render_with(jinjacache.bytecode_cache()) == "2"   # an entry is code: this is what is at stake


@pytest.mark.parametrize("how", ["world-writable", "other owner"])
def test_an_entry_others_could_have_written_is_not_loaded(tmp_path, monkeypatch, how):
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "cache"))
    cache = jinjacache.bytecode_cache()
    entry = poison(cache)
    if how == "world-writable":
        os.chmod(entry, 0o666)
    else:   # the folder was checked when the cache was made; now the entry belongs to someone else
        owner = os.stat(entry).st_uid
        monkeypatch.setattr(jinjacache.os, "getuid", lambda: owner + 1)
    assert render_with(cache) == "1"
