"""Shared fixtures: facts to start from, in-process CLI runs, and WeasyPrint log policing."""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "questionnaires" / "examples"

MINIMAL = {
    "schema_version": 1,
    "company": {"legal_name": "Hashbox Mining Ltd", "website": "https://hashbox.example", "country": "nz"},
    "services": ["hosting"],
    "contact": {"email": "privacy@hashbox.example"},
    "policy": {"effective_date": "2026-01-15"},
    "audience": {"minimum_age": 18, "regions": ["nz"]},
    "data_collected": ["account", "contact", "log_data"],
    "data_regions": ["nz"],
    "retention": {"default": "2 years after your account closes"},
}


@pytest.fixture
def minimal_facts() -> dict:
    """A small valid facts mapping; tests change what they need."""
    return copy.deepcopy(MINIMAL)


def write_facts(folder: Path, data: dict | str, name: str = "facts.yaml") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def render_html(data: dict) -> str:
    from generator.facts import validate
    from generator.render import render
    from generator.yamlio import LineMap

    return render(validate(copy.deepcopy(data), "<test>", LineMap(None))).html


def section_fragments(data: dict) -> dict[str, str]:
    """Each section's own HTML fragment, by section id, exactly as the renderer made it."""
    from generator.facts import validate
    from generator.render import render
    from generator.yamlio import LineMap

    rendered = render(validate(copy.deepcopy(data), "<test>", LineMap(None)))
    return {item.section.id: str(item.html) for item in rendered.sections}


def html_text(html: str) -> str:
    """The visible text of a policy, whitespace folded, for 'does it say X' checks."""
    import re
    from html import unescape

    body = re.sub(r"<style.*?</style>|<head.*?</head>|<script.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"</?(a|abbr|code|em|span|strong|time)\b[^>]*>", "", body)  # inline tags join words
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from generator.cli import main

    def run(*args: str):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


class _FailOnLog(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_weasyprint_warnings():
    """WeasyPrint reports broken CSS, missing fonts and blocked URLs as log warnings: fail on them."""
    handler = _FailOnLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    if handler.records:
        pytest.fail("WeasyPrint logged: " + "; ".join(r.getMessage() for r in handler.records))


from chromium import browser  # noqa: E402,F401 - headless Chromium, one per test module (tests/chromium.py)
