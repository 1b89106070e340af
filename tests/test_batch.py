"""`policygen batch`: discovery, mirrored output folders, bad files beside good ones, shards."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, write_facts
from generator import batch as batch_module
from generator.discover import discover, parse_shard, select_shard, shard_of
from generator.errors import FactsError, Problem, UsageError
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


# --- --check: what CI runs to catch a policy that was not regenerated -------------------

def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def test_check_passes_on_fresh_output_and_names_each_stale_or_missing_output(tmp_path, minimal_facts, cli):
    src = tmp_path / "clients"
    (src / "eu").mkdir(parents=True)
    write_facts(src, minimal_facts, "acme.yaml")
    write_facts(src / "eu", _company(minimal_facts, "Eu Ltd"), "beta.yaml")
    write_facts(src, _company(minimal_facts, "Gamma Ltd"), "gamma.yaml")
    out = tmp_path / "out"

    code, stdout, _ = cli("batch", src, "-o", out, "--format", "html,md", "--check")
    assert code == 1
    assert not out.exists()   # nothing is written, not even the folder
    assert f"{out / 'eu' / 'beta.html'}: missing" in stdout.splitlines()
    assert "6 outputs stale or missing" in stdout

    assert cli("batch", src, "-o", out, "--format", "html,md")[0] == 0
    code, stdout, _ = cli("batch", src, "-o", out, "--format", "html,md", "--check")
    assert (code, stdout.strip()) == (0, "all 3 policies are current")

    with (src / "eu" / "beta.yaml").open("a") as fh:
        fh.write("# a changed facts file\n")
    (out / "gamma.md").unlink()
    before = _snapshot(out)
    code, stdout, _ = cli("batch", src, "-o", out, "--format", "html,md", "--check")
    assert code == 1
    assert stdout.splitlines()[:3] == [
        f"{out / 'eu' / 'beta.html'}: stale: {src / 'eu' / 'beta.yaml'} changed since it was built",
        f"{out / 'eu' / 'beta.md'}: stale: {src / 'eu' / 'beta.yaml'} changed since it was built",
        f"{out / 'gamma.md'}: missing",
    ]
    assert "3 outputs stale or missing; 1 policy is current" in stdout
    assert _snapshot(out) == before


def test_check_reports_only_the_formats_asked_for_and_honours_shards(tmp_path, minimal_facts, cli):
    write_facts(tmp_path, minimal_facts, "one.yaml")
    out = tmp_path / "out"
    assert cli("batch", tmp_path / "one.yaml", "-o", out, "--format", "html")[0] == 0
    assert cli("batch", tmp_path / "one.yaml", "-o", out, "--format", "html", "--check")[0] == 0
    code, stdout, _ = cli("batch", tmp_path / "one.yaml", "-o", out, "--format", "html,md", "--check")
    assert code == 1 and stdout.splitlines()[0] == f"{out / 'one.md'}: missing"
    shard = shard_of("one", 2)
    code, stdout, _ = cli("batch", tmp_path / "one.yaml", "-o", out, "--format", "md", "--check", "--shard", f"{3 - shard}/2")
    assert code == 0 and "all 0 policies are current (shard" in stdout


def test_check_counts_an_unreadable_input_as_a_failure(tmp_path, minimal_facts, cli, monkeypatch):
    write_facts(tmp_path, minimal_facts, "one.yaml")
    write_facts(tmp_path, minimal_facts, "two.yaml")
    out = tmp_path / "out"
    assert cli("batch", tmp_path / "one.yaml", "-o", out, "--format", "html")[0] == 0
    real_read = batch_module.read_facts_bytes

    def unreadable_two(path):
        if path.name == "two.yaml":
            raise FactsError([Problem(str(path), None, "", "cannot read file: Permission denied")])
        return real_read(path)

    monkeypatch.setattr(batch_module, "read_facts_bytes", unreadable_two)
    code, stdout, stderr = cli("batch", tmp_path / "one.yaml", tmp_path / "two.yaml", "-o", out, "--format", "html",
                               "--check")
    assert code == 1
    assert str(tmp_path / "two.yaml") in stderr and "Traceback" not in stderr
    assert "0 outputs stale or missing; 1 input failed; 1 policy is current" in stdout


def test_check_and_force_together_are_bad_usage(tmp_path, minimal_facts, cli):
    write_facts(tmp_path, minimal_facts, "one.yaml")
    code, _, stderr = cli("batch", tmp_path / "one.yaml", "-o", tmp_path / "out", "--check", "--force")
    assert code == 2 and "--check" in stderr


# --- faults: a killed batch ---------------------------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
def test_kill_9_stops_the_workers_and_keeps_what_was_built(tmp_path, minimal_facts, cli):
    src = tmp_path / "src"
    src.mkdir()
    count = 8
    for i in range(count):
        write_facts(src, _company(minimal_facts, f"Client {i} Ltd"), f"c{i}.yaml")
    out = tmp_path / "out"
    batch = subprocess.Popen([sys.executable, "-m", "generator", "batch", str(src), "-o", str(out), "--format", "pdf",
                              "--jobs", "2"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and batch.poll() is None:
            workers |= _children(batch.pid)
            if len(workers) >= 2 and (out / MANIFEST_NAME).exists():   # some PDFs are built and recorded
                break
            time.sleep(0.05)
        assert batch.poll() is None, "the batch ended before it could be killed"
        batch.send_signal(signal.SIGKILL)
        batch.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _running(w)], "workers outlived the batch killed with SIGKILL"
    finally:
        batch.kill()
        for worker in workers:
            if _running(worker):
                os.kill(worker, signal.SIGKILL)

    recorded = json.loads((out / MANIFEST_NAME).read_text())["entries"]
    assert 1 <= len(recorded) < count
    code, stdout, _ = cli("batch", src, "-o", out, "--format", "pdf", "--check")
    assert code == 1
    assert f"{len(recorded)} policies are current" in stdout or f"{len(recorded)} policy is current" in stdout
    assert {line.split(":")[0] for line in stdout.splitlines()[:-1]} == {
        str(out / f"c{i}.pdf") for i in range(count) if f"c{i}" not in recorded}


def test_progress_is_saved_as_it_goes_and_at_most_every_half_second(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(batch_module.time, "monotonic", lambda: clock[0])

    class FakeManifest:
        def __init__(self):
            self.saves = []

        def save(self, changed):
            self.saves.append(sorted(changed))
            clock[0] += self.cost

    manifest = FakeManifest()
    manifest.cost = 0.0
    saver = batch_module.ProgressSaver(manifest)
    saver.add("a", {})
    clock[0] += 0.3
    saver.add("b", {})
    assert manifest.saves == []
    clock[0] += 0.3
    saver.add("c", {})
    assert manifest.saves == [["a", "b", "c"]]
    manifest.cost = 0.1   # a big manifest: saving now takes a while, so it happens less often
    clock[0] += 0.6
    saver.add("d", {})
    assert manifest.saves[-1] == ["d"]
    clock[0] += 1.0
    saver.add("e", {})
    assert len(manifest.saves) == 2   # 20 × 0.1 s must pass first
    clock[0] += 1.1
    saver.add("f", {})
    assert manifest.saves[-1] == ["e", "f"]
    saver.add("g", {})
    saver.flush()
    assert manifest.saves[-1] == ["g"]


def test_the_shipped_pre_commit_hook_runs_batch_check(tmp_path, minimal_facts, cli):
    import shlex

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "policygen-check" and hook["pass_filenames"] is False
    program, *arguments = shlex.split(hook["entry"])
    assert program == "policygen"
    write_facts(tmp_path, minimal_facts, "one.yaml")
    out = tmp_path / "out"
    code, stdout, _ = cli(*arguments, tmp_path / "one.yaml", "-o", out)   # as pre-commit appends `args`
    assert code == 1 and f"{out / 'one.html'}: missing" in stdout
    assert not out.exists()
