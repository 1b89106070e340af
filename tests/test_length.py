"""Length budgets and readability, measured as ../shared/tools/policy-metrics measures them.

tests/tools/policy_metrics.py is a vendored copy of that tool (standard library only), so the
budgets hold in any clone. The metrics run on the Markdown, as the budgets of the concision
issue are stated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from generator.errors import FactsError
from generator.facts import load, parse
from generator.markdown import html_to_markdown
from generator.render import render

sys.path.insert(0, str(Path(__file__).parent / "tools"))
import policy_metrics  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "questionnaires" / "examples"
WORD_BUDGETS = {"aziminer": 4000, "itsminer": 6500, "1024mining": 6500, "smart-mining": 7500}


def metrics_of(facts, tmp_path: Path, name: str) -> dict:
    target = tmp_path / f"{name}.md"
    target.write_text(html_to_markdown(render(facts).html), encoding="utf-8")
    return policy_metrics.measure(target)


@pytest.mark.parametrize("name", sorted(WORD_BUDGETS))
def test_examples_keep_their_word_budget_and_read_plainly(name, tmp_path):
    m = metrics_of(load(EXAMPLES / f"{name}.yaml"), tmp_path, name)
    assert m["words"] <= WORD_BUDGETS[name], m
    assert m["repeats"] == 0, m["repeated"]
    assert m["long"] <= 0.02, m["longest"]
    assert m["flesch"] >= 60, m


def test_the_tool_counts_a_repeated_sentence_and_a_long_one(tmp_path):
    """The measurement itself can fail: a repeated 12-word sentence and a 40-word one are caught."""
    sentence = "We keep your account data for three years after you close your account with us."
    long = " ".join(["word"] * 40) + "."
    target = tmp_path / "bad.md"
    target.write_text(f"{sentence}\n\n{sentence}\n\n{long}\n", encoding="utf-8")
    m = policy_metrics.measure(target)
    assert m["repeats"] == 1 and m["long"] > 0.02


def _generated(seed: int):
    from test_generated import varied_facts  # noqa: PLC0415 - the same 200 varied facts files

    try:
        return parse(yaml.safe_dump(varied_facts(seed), sort_keys=False), f"seed{seed}.yaml")
    except FactsError:
        return None


def test_generated_policies_have_no_repeats_few_long_sentences_and_read_plainly(tmp_path):
    checked = 0
    for seed in range(200):
        facts = _generated(seed)
        if facts is None:
            continue
        m = metrics_of(facts, tmp_path, f"seed{seed}")
        assert m["repeats"] == 0, (seed, m["repeated"])
        assert m["long"] <= 0.02, (seed, m["longest"])
        assert m["flesch"] >= 60, (seed, m["flesch"])
        checked += 1
    assert checked >= 150
