"""The command line: outputs, formats, exit codes and nothing written on bad input."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT, write_facts


def test_build_writes_the_requested_formats(cli, minimal_facts, tmp_path):
    facts = write_facts(tmp_path, minimal_facts, "hashbox.yaml")
    out = tmp_path / "out"
    code, stdout, stderr = cli("build", facts, "-o", out, "--format", "html,md")
    assert code == 0
    # What `check` finds (this minimal policy has gaps) is only warned about, one "file: rule: message" line each.
    assert all(re.match(rf"{re.escape(str(facts))}: [a-z_]+\.[a-z0-9_]+: ", line) for line in stderr.splitlines())
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["hashbox.html", "hashbox.md"]
    md = (out / "hashbox.md").read_text()
    assert md.startswith("Hashbox Mining Ltd") or "# Privacy Policy" in md
    assert "privacy@hashbox.example" in md
    assert not list(out.glob(".*tmp"))


def test_bad_facts_exit_2_and_write_nothing(cli, minimal_facts, tmp_path):
    minimal_facts["audience"]["minimum_age"] = "eighteen"
    facts = write_facts(tmp_path, minimal_facts)
    out = tmp_path / "out"
    code, stdout, stderr = cli("build", facts, "-o", out)
    assert code == 2
    assert stderr.strip().endswith('audience.minimum_age: must be an integer between 13 and 21, got "eighteen"')
    assert "Traceback" not in stderr
    assert not out.exists()


@pytest.mark.parametrize("args,message", [
    (["build"], "the following arguments are required"),
    (["build", "x.yaml", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
    (["build", "x.yaml", "--format", "docx"], "--format: must be a comma-separated list of html, pdf, md"),
])
def test_bad_usage_exits_2(cli, args, message):
    code, _, stderr = cli(*args)
    assert code == 2
    assert message in stderr


def test_missing_file(cli, tmp_path):
    code, _, stderr = cli("build", tmp_path / "nope.yaml", "--format", "html")
    assert code == 2 and stderr.strip() == f"{tmp_path / 'nope.yaml'}: file not found"


def test_rebuild_is_byte_identical(cli, minimal_facts, tmp_path):
    facts = write_facts(tmp_path, minimal_facts)
    out = tmp_path / "out"
    assert cli("build", facts, "-o", out, "--format", "html,md")[0] == 0
    first = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert cli("build", facts, "-o", out, "--format", "html,md")[0] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} == first


def test_schema_prints_json(cli):
    import json

    code, out, _ = cli("schema")
    assert code == 0
    assert json.loads(out)["title"] == "policygen facts file"


def test_facts_reference_is_up_to_date(cli):
    code, out, _ = cli("schema", "--markdown")
    assert code == 0
    assert (ROOT / "docs" / "facts-reference.md").read_text() == out, "run: policygen schema --markdown > docs/facts-reference.md"


def test_readme_example_is_valid():
    import re

    from generator.facts import parse

    block = re.search(r"```yaml\n(schema_version: 1.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    assert parse(block, "README.md").company.legal_name == "Hashbox Mining Ltd"


def test_python_dash_m_and_help_stay_light():
    code = ("import sys, runpy; sys.argv=['policygen', '--help']\n"
            "try: runpy.run_module('generator', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "heavy = [m for m in ('weasyprint', 'questionary', 'pydantic', 'jinja2') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "usage: policygen" in result.stdout
    assert "HEAVY []" in result.stdout


def test_html_build_does_not_import_weasyprint(minimal_facts, tmp_path):
    facts = write_facts(tmp_path, minimal_facts)
    code = ("import sys\nfrom generator.cli import main\n"
            f"rc = main(['build', {str(facts)!r}, '-o', {str(tmp_path / 'o')!r}, '--format', 'html'])\n"
            "print('RC', rc, 'weasyprint' in sys.modules, 'questionary' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "RC 0 False False" in result.stdout
