"""The README's facts example is a complete policy: check finds nothing missing and nothing wrong."""

from __future__ import annotations

import re
from pathlib import Path

from generator.check import check
from generator.facts import parse

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_passes_check():
    text = README.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(schema_version: 1\n.*?)```", text, re.S)[1]
    report = check(parse(example, "README.md"))
    assert report.ok, [f.rule_id for f in report.missing] + [f.rule_id for f in report.problems]
