"""Incremental builds: what the manifest records, what a rebuild skips, and "Last updated"."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json

import pytest

from conftest import html_text, write_facts
from generator import batch, manifest
from generator.build import build_file, template_dependencies
from generator.manifest import MANIFEST_NAME, Fingerprints

DAY1, DAY2, DAY3, DAY4 = (dt.date(2026, 3, d) for d in (1, 2, 3, 4))


def _undated(facts: dict) -> dict:
    facts = copy.deepcopy(facts)
    del facts["policy"]["effective_date"]
    return facts


def _eea(facts: dict) -> dict:
    facts = copy.deepcopy(facts)
    facts["audience"]["regions"] = ["eea"]
    facts["data_regions"] = ["de"]
    return facts


def _run(src, out, capsys, today=DAY1, **options) -> str:
    batch.run([str(src)], out, options.pop("formats", ("html",)), jobs=1, interactive=False, today=today, **options)
    return capsys.readouterr().out


def _entries(out) -> dict:
    return json.loads((out / MANIFEST_NAME).read_text())["entries"]


def test_unchanged_rebuild_skips_and_force_rebuilds_the_same_bytes(tmp_path, minimal_facts, capsys):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    write_facts(tmp_path, _eea(minimal_facts), "b.yaml")
    out = tmp_path / "out"
    assert "2 built, 0 unchanged" in _run(tmp_path, out, capsys)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.html")}

    assert "0 built, 2 unchanged" in _run(tmp_path, out, capsys)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.html")} == before

    assert "2 built, 0 unchanged" in _run(tmp_path, out, capsys, force=True)
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == {k: v[0] for k, v in before.items()}


def test_manifest_records_what_each_output_was_built_from(tmp_path, minimal_facts, capsys):
    path = write_facts(tmp_path, minimal_facts, "a.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys, formats=("html", "md"))
    entry = _entries(out)["a"]
    record = entry["outputs"]["html"]
    assert record["facts"] == manifest.sha256(path.read_bytes())
    assert record["file"] == "a.html" and record["size"] == (out / "a.html").stat().st_size
    assert "policy.html.j2" in record["templates"] and "sections/retention.html.j2" in record["templates"]
    assert record["catalog"] and record["policygen"].startswith("0.")
    assert set(entry["outputs"]) == {"html", "md"}


def test_changed_facts_and_deleted_output_rebuild_only_that_policy(tmp_path, minimal_facts, capsys):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    write_facts(tmp_path, minimal_facts, "b.yaml")
    write_facts(tmp_path, minimal_facts, "c.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys, formats=("html", "md"))

    (out / "b.md").unlink()
    changed = copy.deepcopy(minimal_facts)
    changed["retention"]["default"] = "3 years after your account closes"
    write_facts(tmp_path, changed, "c.yaml")
    stdout = _run(tmp_path, out, capsys, formats=("html", "md"))
    assert "2 built, 1 unchanged" in stdout
    assert "built b:" in stdout and "built c:" in stdout and "built a:" not in stdout
    assert (out / "b.md").is_file()
    assert "3 years after your account closes" in (out / "c.html").read_text()


def test_changed_template_rebuilds_exactly_the_policies_that_use_it(tmp_path, minimal_facts, capsys, monkeypatch):
    write_facts(tmp_path, minimal_facts, "nz.yaml")
    write_facts(tmp_path, _eea(minimal_facts), "eu.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys)
    assert "regional/gdpr.html.j2" in _entries(out)["eu"]["outputs"]["html"]["templates"]
    assert "regional/gdpr.html.j2" not in _entries(out)["nz"]["outputs"]["html"]["templates"]

    real = Fingerprints.current()
    edited = dataclasses.replace(real, templates={**real.templates, "regional/gdpr.html.j2": "edited"}, _combined={})
    monkeypatch.setattr(Fingerprints, "current", classmethod(lambda cls: edited))
    stdout = _run(tmp_path, out, capsys)
    assert "1 built, 1 unchanged" in stdout and "built eu:" in stdout

    shared = dataclasses.replace(real, templates={**real.templates, "policy.html.j2": "edited"}, _combined={})
    monkeypatch.setattr(Fingerprints, "current", classmethod(lambda cls: shared))
    assert "2 built, 0 unchanged" in _run(tmp_path, out, capsys)


def test_dependencies_follow_includes_and_pdf_assets(minimal_facts):
    from generator.facts import validate
    from generator.render import render
    from generator.yamlio import LineMap

    rendered = render(validate(_eea(minimal_facts), "<t>", LineMap(None)))
    html_only = template_dependencies(rendered, ("html",))
    assert "assets/policy.css" in html_only           # included by the layout
    assert {s.section.template for s in rendered.sections} <= set(html_only)
    assert set(html_only) <= set(template_dependencies(rendered, ("pdf",)))


def test_a_new_format_builds_only_that_format(tmp_path, minimal_facts, capsys):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys)
    html_mtime = (out / "a.html").stat().st_mtime_ns
    assert "1 built" in _run(tmp_path, out, capsys, formats=("html", "md"))
    assert (out / "a.md").is_file() and (out / "a.html").stat().st_mtime_ns == html_mtime


def test_last_updated_follows_the_text_and_history_keeps_every_version(tmp_path, minimal_facts, capsys):
    facts = _undated(minimal_facts)
    path = write_facts(tmp_path, facts, "a.yaml")
    out = tmp_path / "out"

    _run(tmp_path, out, capsys, today=DAY1)
    assert "Last updated: 1 March 2026" in html_text((out / "a.html").read_text())
    first = (out / "a.html").read_bytes()

    _run(tmp_path, out, capsys, today=DAY2, force=True)          # same text: the date stays
    assert (out / "a.html").read_bytes() == first

    path.write_text(path.read_text() + "# a comment changes the file, not the policy\n")
    _run(tmp_path, out, capsys, today=DAY3)
    assert (out / "a.html").read_bytes() == first

    facts["retention"]["default"] = "5 years after your account closes"
    write_facts(tmp_path, facts, "a.yaml")
    _run(tmp_path, out, capsys, today=DAY4)                      # new text: today
    assert "Last updated: 4 March 2026" in html_text((out / "a.html").read_text())

    entry = _entries(out)["a"]
    assert [h["date"] for h in entry["history"]] == ["2026-03-01", "2026-03-01", "2026-03-04"]
    assert len({h["facts"] for h in entry["history"]}) == 3
    assert entry["history"][0]["content"] == entry["history"][1]["content"] != entry["history"][2]["content"]
    assert entry["current"] == entry["history"][-1]


def test_a_date_in_the_facts_wins(tmp_path, minimal_facts, capsys):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys, today=DAY3)
    assert "Last updated: 15 January 2026" in html_text((out / "a.html").read_text())
    assert _entries(out)["a"]["current"]["date"] == "2026-01-15"


def test_build_command_keeps_the_date_and_is_byte_identical(tmp_path, minimal_facts):
    path = write_facts(tmp_path, _undated(minimal_facts), "solo.yaml")
    out = tmp_path / "out"
    build_file(path, out, ("html", "md"), today=DAY1)
    first = {p.name: p.read_bytes() for p in out.glob("solo.*")}
    build_file(path, out, ("html", "md"), today=DAY2)
    assert {p.name: p.read_bytes() for p in out.glob("solo.*")} == first
    assert _entries(out)["solo"]["current"]["date"] == "2026-03-01"
    assert len(_entries(out)["solo"]["history"]) == 1


def test_build_and_batch_share_the_manifest(tmp_path, minimal_facts, cli):
    path = write_facts(tmp_path, minimal_facts, "solo.yaml")
    out = tmp_path / "out"
    assert cli("build", path, "-o", out, "--format", "html")[0] == 0
    code, stdout, _ = cli("batch", path, "-o", out, "--format", "html")
    assert code == 0 and "0 built, 1 unchanged" in stdout


def test_a_damaged_manifest_means_a_full_rebuild_not_a_crash(tmp_path, minimal_facts, capsys):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys)
    (out / MANIFEST_NAME).write_text("{not json")
    assert "1 built" in _run(tmp_path, out, capsys)
    assert _entries(out)["a"]["outputs"]["html"]["file"] == "a.html"
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("damage, message", [
    ('["a list"]', "expected a JSON object, got a list"),
    ('{"format": 99, "entries": {}}', "format: expected 1 with a mapping of entries, got 99 with a mapping"),
    ('{"format": 1, "entries": []}', "format: expected 1 with a mapping of entries, got 1 with a list"),
    ("{not json", "expected a policygen manifest (JSON), got invalid JSON at line 1 column 2"),
])
def test_a_manifest_of_the_wrong_shape_is_ignored_with_one_warning(tmp_path, minimal_facts, capsys, damage, message):
    write_facts(tmp_path, minimal_facts, "a.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text(damage)
    batch.run([str(tmp_path)], out, ("html",), jobs=1, interactive=False, today=DAY1)
    captured = capsys.readouterr()
    assert "1 built, 0 unchanged, 0 failed" in captured.out
    warnings = [line for line in captured.err.splitlines() if MANIFEST_NAME in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"{out / MANIFEST_NAME}: {message}"), warnings
    assert _entries(out)["a"]["outputs"]["html"]["file"] == "a.html"


def test_entries_of_the_wrong_shape_are_rebuilt_with_one_warning_and_the_rest_kept(tmp_path, minimal_facts, capsys):
    for name in ("good", "listed", "bad_outputs", "bad_record", "bad_history"):
        write_facts(tmp_path, minimal_facts, f"{name}.yaml")
    out = tmp_path / "out"
    _run(tmp_path, out, capsys)
    data = json.loads((out / MANIFEST_NAME).read_text())
    entries = data["entries"]
    entries["listed"] = ["not", "an", "entry"]
    entries["bad_outputs"]["outputs"] = "html"
    entries["bad_record"]["outputs"]["html"]["templates"] = "policy.html.j2"
    entries["bad_history"]["history"] = [{"date": 20260301}]
    (out / MANIFEST_NAME).write_text(json.dumps(data))

    for _ in range(2):   # the first run warns and rebuilds; the manifest it saves is whole again
        batch.run([str(tmp_path)], out, ("html",), jobs=1, interactive=False, today=DAY2)
        captured = capsys.readouterr()
        if _ == 0:
            warnings = [line for line in captured.err.splitlines() if MANIFEST_NAME in line]
            assert warnings == [f"{out / MANIFEST_NAME}: entries: expected each entry to be a mapping of outputs, "
                                "current and history, got 4 of another shape (bad_history, bad_outputs, bad_record, "
                                "listed); they will be rebuilt"]
            assert "4 built, 1 unchanged, 0 failed" in captured.out
        else:
            assert MANIFEST_NAME not in captured.err
            assert "0 built, 5 unchanged, 0 failed" in captured.out
    assert all(manifest.well_formed(entry) for entry in _entries(out).values())


def test_build_reads_a_wrong_shaped_entry_as_missing(tmp_path, minimal_facts, capsys):
    path = write_facts(tmp_path, _undated(minimal_facts), "solo.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"format": 1, "entries": {"solo": {"current": "2026-03-01"}}}))
    build_file(path, out, ("html",), today=DAY3)
    assert "expected each entry" in capsys.readouterr().err
    assert _entries(out)["solo"]["current"]["date"] == DAY3.isoformat()


def test_saves_from_two_runs_into_one_folder_add_up(tmp_path):
    first, second = manifest.Manifest(tmp_path), manifest.Manifest(tmp_path)
    entry = {"source": "x.yaml", "outputs": {}, "history": []}
    first.save({"a": entry})
    second.save({"b": entry})    # read again: first saved since second was opened
    first.save({"c": entry})     # and again: second saved since first's last save
    assert sorted(_entries(tmp_path)) == ["a", "b", "c"]
    assert sorted(first.entries) == ["a", "b", "c"]
