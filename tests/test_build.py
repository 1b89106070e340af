"""Build never hides a gap: warnings on stderr, a Draft marker on the first page, --strict."""

from __future__ import annotations

import copy
import dataclasses
import io
import re

from conftest import html_text, write_facts
from generator import check as chk


def gapped(minimal_facts) -> dict:
    """A German company with EEA users, no address and a minimum age of 13: gaps and a problem."""
    minimal_facts["company"]["country"] = "de"
    minimal_facts["audience"].update(regions=["eea"], minimum_age=13)
    minimal_facts["data_regions"] = ["de"]
    return minimal_facts


def report_for(path) -> chk.CheckReport:
    from generator.facts import load

    return chk.check(load(path))


def test_build_warns_for_every_gap_and_marks_the_policy_draft(cli, minimal_facts, tmp_path):
    path = write_facts(tmp_path, gapped(minimal_facts))
    report = report_for(path)
    assert report.missing and report.problems
    code, out, err = cli("build", path, "-o", tmp_path / "out", "--format", "html,md")
    assert code == 0
    lines = err.splitlines()
    expected = {f.rule_id for f in report.missing + report.problems}
    assert {line.split(": ")[1] for line in lines} == expected and len(lines) == len(expected)
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert any(line.startswith(f"{path}: gdpr.controller_identity: missing: ") and "company.address" in line
               for line in lines)
    assert any(line.startswith(f"{path}: risk.digital_age_of_consent: ") and "Germany (16" in line for line in lines)
    html = (tmp_path / "out" / "facts.html").read_text(encoding="utf-8")
    marker = html.split('<p class="draft-marker"', 1)[1].split("</p>", 1)[0]
    count = len(report.missing)
    assert f"{count} required disclosure{'s are' if count != 1 else ' is'} missing" in html_text(marker)
    assert html.index('class="draft-marker"') < html.index('<main>')          # in the header, on page 1
    assert "Draft" in (tmp_path / "out" / "facts.md").read_text(encoding="utf-8").split("##", 1)[0]


def test_strict_exits_1_and_writes_nothing(cli, minimal_facts, tmp_path):
    path = write_facts(tmp_path, gapped(minimal_facts))
    code, out, err = cli("build", "--strict", path, "-o", tmp_path / "out")
    assert code == 1 and out == ""
    assert "gdpr.controller_identity" in err and "not written (--strict)" in err.splitlines()[-1]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_complete_policy_has_no_marker_and_no_warning(cli, minimal_facts, tmp_path, monkeypatch):
    # Nothing missing and nothing wrong: with the rules emptied, every policy is complete.
    rules = chk.load_rules()
    monkeypatch.setattr(chk, "load_rules", lambda: dataclasses.replace(rules, rules=(), problems=()))
    path = write_facts(tmp_path, gapped(minimal_facts))
    code, _, err = cli("build", "--strict", path, "-o", tmp_path / "out", "--format", "html")
    assert (code, err) == (0, "")
    assert 'class="draft-marker"' not in (tmp_path / "out" / "facts.html").read_text(encoding="utf-8")


def test_the_marker_changes_only_the_page_not_the_sections(minimal_facts, tmp_path):
    import datetime as dt

    from generator.build import Draft, checked
    from generator.facts import load
    from generator.render import render

    facts = load(write_facts(tmp_path, gapped(minimal_facts)))
    plain = render(facts)
    marked, warnings = checked(facts, plain, "f.yaml", dt.date(2026, 2, 1))
    assert warnings and marked.sections == plain.sections
    assert marked.html == render(facts, draft=Draft(*_counts(facts))).html
    assert marked.html.replace(re.search(r'\s*<p class="draft-marker".*?</p>', marked.html, re.S).group(0), "") \
        == plain.html


def _counts(facts):
    import datetime as dt

    report = chk.check(facts, dt.date(2026, 2, 1))
    return len(report.missing), len(report.problems)


def test_the_pdf_shows_the_marker_on_its_first_page(cli, minimal_facts, tmp_path):
    from pypdf import PdfReader

    path = write_facts(tmp_path, gapped(minimal_facts))
    code, _, _ = cli("build", path, "-o", tmp_path / "out", "--format", "pdf")
    assert code == 0
    first = " ".join(PdfReader(io.BytesIO((tmp_path / "out" / "facts.pdf").read_bytes())).pages[0].extract_text().split())
    assert "Draft: not ready to publish." in first and re.search(r"\d+ required disclosures? (is|are) missing", first)


def test_batch_warns_and_strict_fails_only_the_incomplete_item(cli, minimal_facts, tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    good = write_facts(src, minimal_facts, "good.yaml")
    bad = write_facts(src, gapped(copy.deepcopy(minimal_facts)), "bad.yaml")
    rules = chk.load_rules()
    # Only the age rule: "good" (age 18, New Zealand) is complete, "bad" (13, Germany) is not.
    only = tuple(p for p in rules.problems if p.id == "risk.digital_age_of_consent")
    monkeypatch.setattr(chk, "load_rules", lambda: dataclasses.replace(rules, rules=(), problems=only))
    code, out, err = cli("batch", src, "-o", tmp_path / "out", "--format", "html", "--jobs", "1")
    assert code == 0 and "2 built" in out
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith(f"{bad}: risk.digital_age_of_consent: ")]
    assert len(err.splitlines()) == 1
    code, out, err = cli("batch", "--strict", "--force", src, "-o", tmp_path / "out2", "--format", "html", "--jobs", "1")
    assert code == 1 and "1 built" in out and "1 failed" in out
    assert (tmp_path / "out2" / "good.html").exists() and not (tmp_path / "out2" / "bad.html").exists()
    assert f"{bad}: not written (--strict)" in err and str(good) not in err
