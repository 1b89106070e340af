"""`policygen diff`: changed facts, section by section changes, redline page, exit codes."""

from __future__ import annotations

import copy

from conftest import write_facts
from generator.clauses import plan
from generator.facts import validate
from generator.yamlio import LineMap


def _pair(tmp_path, old: dict, new: dict):
    (tmp_path / "old").mkdir(exist_ok=True)
    (tmp_path / "new").mkdir(exist_ok=True)
    return write_facts(tmp_path / "old", old), write_facts(tmp_path / "new", new)


def test_identical_facts_exit_0(tmp_path, minimal_facts, cli):
    old, new = _pair(tmp_path, minimal_facts, minimal_facts)
    code, stdout, _ = cli("diff", old, new)
    assert code == 0
    assert "Facts: no change" in stdout
    assert "  unchanged 1. About this policy [introduction]" in stdout
    assert not any(line.startswith(("  changed", "  added", "  removed")) for line in stdout.splitlines())


def test_changed_fact_lists_the_key_the_section_and_a_text_diff(tmp_path, minimal_facts, cli):
    changed = copy.deepcopy(minimal_facts)
    changed["retention"]["default"] = "7 years after your account closes"
    old, new = _pair(tmp_path, minimal_facts, changed)
    code, stdout, _ = cli("diff", old, new)
    assert code == 1
    assert "retention.default: 2 years after your account closes → 7 years after your account closes" in stdout
    lines = stdout.splitlines()
    assert any(line.startswith("  changed") and "[retention]" in line for line in lines)
    assert any(line.startswith("  unchanged") and "[controller]" in line for line in lines)
    assert f"--- {old} § retention" in stdout and f"+++ {new} § retention" in stdout
    assert any(line.startswith("-") and "2 years after your account closes" in line for line in lines)
    assert any(line.startswith("+") and "7 years after your account closes" in line for line in lines)


def test_added_and_removed_sections(tmp_path, minimal_facts, cli):
    wider = copy.deepcopy(minimal_facts)
    wider["audience"]["regions"] = ["nz", "eea"]
    wider["data_regions"] = ["nz", "de"]
    wider["transfer_safeguards"] = ["scc"]
    old, new = _pair(tmp_path, minimal_facts, wider)
    code, stdout, _ = cli("diff", old, new)
    assert code == 1
    assert "audience.regions: [nz] → [nz, eea] (+eea)" in stdout
    assert any(line.startswith("  added") and "[gdpr]" in line for line in stdout.splitlines())

    code, stdout, _ = cli("diff", new, old)
    assert code == 1
    assert any(line.startswith("  removed") and "[gdpr]" in line for line in stdout.splitlines())


def test_only_the_date_changed(tmp_path, minimal_facts, cli):
    later = copy.deepcopy(minimal_facts)
    later["policy"]["effective_date"] = "2026-06-01"
    old, new = _pair(tmp_path, minimal_facts, later)
    code, stdout, _ = cli("diff", old, new)
    assert code == 1
    assert "policy.effective_date: 2026-01-15 → 2026-06-01" in stdout
    # The date is stated only in the page head ("Last updated"), which no section repeats: every
    # section is unchanged, and no sentence is added or removed.
    sections = len(plan(validate(copy.deepcopy(later), "<test>", LineMap(None))))
    assert f"Sections: {sections} unchanged" in stdout
    changed = [line for line in stdout.splitlines() if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert changed == []
    # A fact that a sentence states does change its section.
    later["retention"]["default"] = "7 years after your account closes"
    old, new = _pair(tmp_path, minimal_facts, later)
    code, stdout, _ = cli("diff", old, new)
    assert code == 1 and "changed" in stdout.split("Sections:", 1)[1]


def test_redline_page_marks_insertions_and_deletions_escaped(tmp_path, minimal_facts, cli):
    changed = copy.deepcopy(minimal_facts)
    changed["company"]["legal_name"] = "Hashbox <script>alert(1)</script> Ltd"
    changed["retention"]["default"] = "7 years after your account closes"
    old, new = _pair(tmp_path, minimal_facts, changed)
    page = tmp_path / "redline" / "changes.html"
    code, _, _ = cli("diff", old, new, "--html", page)
    assert code == 1
    html = page.read_text()
    assert "<ins>" in html and "<del>" in html
    assert "<del>2 years</del>" in html or "<del>2</del>" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_invalid_input_exits_2_with_the_file_and_line(tmp_path, minimal_facts, cli):
    bad = copy.deepcopy(minimal_facts)
    bad["audience"]["minimum_age"] = "eighteen"
    old, new = _pair(tmp_path, minimal_facts, bad)
    code, stdout, stderr = cli("diff", old, new)
    assert code == 2
    assert f"{new}:" in stderr and "audience.minimum_age" in stderr
    assert cli("diff", old, tmp_path / "missing.yaml")[0] == 2
