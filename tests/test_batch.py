"""`policygen batch`: discovery, mirrored output folders, bad files beside good ones, shards."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from conftest import write_facts
from generator.discover import discover, parse_shard, select_shard, shard_of
from generator.errors import UsageError
from generator.manifest import MANIFEST_NAME


def _company(facts: dict, name: str) -> dict:
    facts = copy.deepcopy(facts)
    facts["company"]["legal_name"] = name
    return facts


def _leftovers(folder):
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_good_and_bad_files_mixed_in_nested_folders(tmp_path, minimal_facts, cli):
    src = tmp_path / "clients"
    (src / "eu" / "deep").mkdir(parents=True)
    (src / "asia").mkdir()
    write_facts(src, _company(minimal_facts, "Top Level Ltd"), "acme.yaml")
    write_facts(src / "eu", _company(minimal_facts, "Eu Branch Ltd"), "acme.yaml")
    write_facts(src / "eu" / "deep", minimal_facts, "other.yml")
    write_facts(src / "asia", "schema_version: 1\ncompany:\n  legal_name: X\n  website: not-a-url\n", "broken.yaml")
    (src / "notes.txt").write_text("not facts")
    out = tmp_path / "out"

    code, stdout, stderr = cli("batch", src, "-o", out, "--format", "html", "--jobs", "2")

    assert code == 1
    assert (out / "acme.html").is_file() and (out / "eu" / "acme.html").is_file()
    assert (out / "eu" / "deep" / "other.html").is_file()
    assert "Top Level Ltd" in (out / "acme.html").read_text()
    assert "Eu Branch Ltd" in (out / "eu" / "acme.html").read_text()
    assert not list(out.rglob("broken.*")) and not list(out.rglob("notes.*"))
    assert f"{src / 'asia' / 'broken.yaml'}:4: company.website: must be an http(s) URL" in stderr
    assert "Traceback" not in stderr
    assert "3 built, 0 unchanged, 1 failed" in stdout
    assert _leftovers(out) == []


def test_all_good_exits_zero_and_reports_each_build(tmp_path, minimal_facts, cli):
    write_facts(tmp_path, minimal_facts, "one.yaml")
    code, stdout, _ = cli("batch", tmp_path / "one.yaml", "-o", tmp_path / "out", "--format", "html,md")
    assert code == 0
    assert (tmp_path / "out" / "one.html").is_file() and (tmp_path / "out" / "one.md").is_file()
    assert "built one:" in stdout and "1 built, 0 unchanged, 0 failed" in stdout


def test_many_files_build_in_worker_processes(tmp_path, minimal_facts, cli):
    src = tmp_path / "many"
    src.mkdir()
    for i in range(30):
        write_facts(src, _company(minimal_facts, f"Client {i:02d} Ltd"), f"c{i:02d}.yaml")
    out = tmp_path / "out"
    code, stdout, _ = cli("batch", src, "-o", out, "--format", "html", "--jobs", "2")
    assert code == 0, stdout
    assert sorted(p.name for p in out.glob("*.html")) == [f"c{i:02d}.html" for i in range(30)]
    assert "Client 17 Ltd" in (out / "c17.html").read_text()
    entries = json.loads((out / MANIFEST_NAME).read_text())["entries"]
    assert sorted(entries) == [f"c{i:02d}" for i in range(30)]


def test_files_given_directly_with_the_same_stem_fail_without_overwriting(tmp_path, minimal_facts, cli):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_facts(tmp_path / "a", minimal_facts, "same.yaml")
    second = write_facts(tmp_path / "b", minimal_facts, "same.yaml")
    other = write_facts(tmp_path, minimal_facts, "fine.yaml")
    out = tmp_path / "out"
    code, stdout, stderr = cli("batch", first, second, other, "-o", out, "--format", "html")
    assert code == 1
    assert not (out / "same.html").exists() and (out / "fine.html").is_file()
    assert f"{first}: would write the same output as another file" in stderr
    assert f"{second}: would write the same output as another file" in stderr
    assert "1 built, 0 unchanged, 1 failed" in stdout


def test_several_folders_mirror_below_their_common_parent(tmp_path, minimal_facts):
    for client in ("north", "south"):
        (tmp_path / "clients" / client).mkdir(parents=True)
        write_facts(tmp_path / "clients" / client, minimal_facts, "policy.yaml")
    items, clashes = discover([str(tmp_path / "clients" / "north"), str(tmp_path / "clients" / "south")])
    assert [i.stem for i in items] == ["north/policy", "south/policy"] and clashes == {}


def test_hidden_folders_are_skipped_and_order_is_sorted(tmp_path, minimal_facts):
    (tmp_path / ".git").mkdir()
    write_facts(tmp_path / ".git", minimal_facts, "config.yaml")
    for name in ("b.yaml", "a.yml", "c.YAML"):
        write_facts(tmp_path, minimal_facts, name)
    items, _ = discover([str(tmp_path)])
    assert [i.stem for i in items] == ["a", "b", "c"]


@pytest.mark.parametrize("args, message", [
    (["EMPTY"], "no facts files"),
    (["MISSING"], "no such file or folder"),
    (["EMPTY", "--shard", "0/3"], "--shard"),
    (["EMPTY", "--shard", "4/3"], "--shard"),
    (["EMPTY", "--shard", "two"], "--shard"),
    (["EMPTY", "--format", "docx"], "--format"),
    (["EMPTY", "--jobs", "0"], "--jobs"),
])
def test_bad_usage_exits_2(tmp_path, cli, args, message):
    (tmp_path / "empty").mkdir()
    paths = {"EMPTY": tmp_path / "empty", "MISSING": tmp_path / "missing"}
    code, _, stderr = cli("batch", *[paths.get(a, a) for a in args], "-o", tmp_path / "out")
    assert code == 2
    assert message in stderr and "Traceback" not in stderr


def test_shards_partition_the_input_exactly(tmp_path, minimal_facts):
    for i in range(40):
        (tmp_path / f"d{i % 4}").mkdir(exist_ok=True)
        write_facts(tmp_path / f"d{i % 4}", minimal_facts, f"f{i}.yaml")
    items, _ = discover([str(tmp_path)])
    for n in (1, 2, 3, 7):
        slices = [select_shard(items, (k, n)) for k in range(1, n + 1)]
        stems = [i.stem for s in slices for i in s]
        assert sorted(stems) == sorted(i.stem for i in items) and len(stems) == len(set(stems))
    assert all(1 <= shard_of(i.stem, 3) <= 3 for i in items)
    assert parse_shard("2/5") == (2, 5)
    with pytest.raises(UsageError):
        parse_shard("6/5")


def test_shard_assignment_is_the_same_in_every_process():
    code = "from generator.discover import shard_of; print([shard_of(f'c/{i}', 5) for i in range(20)])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout.strip()
    assert other == str([shard_of(f"c/{i}", 5) for i in range(20)])


def test_shards_into_one_folder_add_up_to_the_whole(tmp_path, minimal_facts, cli):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(9):
        write_facts(src, minimal_facts, f"p{i}.yaml")
    out = tmp_path / "out"
    for k in (1, 2, 3):
        code, stdout, _ = cli("batch", src, "-o", out, "--format", "html", "--shard", f"{k}/3")
        assert code == 0 and f"(shard {k}/3)" in stdout
    assert sorted(p.stem for p in out.glob("*.html")) == [f"p{i}" for i in range(9)]
    assert len(json.loads((out / MANIFEST_NAME).read_text())["entries"]) == 9
    code, stdout, _ = cli("batch", src, "-o", out, "--format", "html")
    assert "0 built, 9 unchanged" in stdout


def test_pdf_batch_in_two_workers(tmp_path, minimal_facts, cli):
    write_facts(tmp_path, minimal_facts, "one.yaml")
    write_facts(tmp_path, _company(minimal_facts, "Second Ltd"), "two.yaml")
    out = tmp_path / "out"
    code, stdout, _ = cli("batch", tmp_path / "one.yaml", tmp_path / "two.yaml", "-o", out, "--format", "pdf", "--jobs", "2")
    assert code == 0, stdout
    for name in ("one", "two"):
        assert (out / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    assert _leftovers(out) == []
