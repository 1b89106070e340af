"""Benchmark of Markdown output against issue 9 item 4 (run by hand: `.venv/bin/python bench/bench_markdown.py`).

On the four example facts files, times, best of several runs:
  (a) in one process, what `build` does for each: produce(..., html) against produce(..., html,md);
      target: HTML + Markdown within 2× of HTML alone
  (b) `policygen batch --force` of the examples with --format html against html,md, each a fresh
      process (imports included); same target
and prints the converter's own time per policy next to the bare render's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ROOT / "questionnaires" / "examples"

from generator.build import produce  # noqa: E402
from generator.facts import load  # noqa: E402
from generator.markdown import html_to_markdown  # noqa: E402
from generator.render import render  # noqa: E402


def best(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def policygen() -> list[str]:
    script = Path(sys.executable).with_name("policygen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def batch(formats: str, out: Path) -> None:
    subprocess.run(policygen() + ["batch", str(EXAMPLES), "-o", str(out), "--format", formats, "--force", "--jobs", "1"],
                   check=True, capture_output=True)


def main() -> int:
    rows = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        facts = load(path)
        html = render(facts).html
        html_to_markdown(html)  # imports and caches warmed for both
        produce(facts, ("html", "md"))
        plain = best(10, lambda: produce(facts, ("html",)))
        both = best(10, lambda: produce(facts, ("html", "md")))
        bare = best(10, lambda: render(facts))
        convert = best(10, lambda: html_to_markdown(html))
        rows.append((path.stem, plain, both, bare, convert))

    print(f"{'policy':<14} {'html':>9} {'html+md':>9} {'ratio':>6}   {'render':>8} {'to md':>8}")
    for stem, plain, both, bare, convert in rows:
        print(f"{stem:<14} {plain * 1000:7.1f}ms {both * 1000:7.1f}ms {both / plain:5.2f}×   "
              f"{bare * 1000:6.1f}ms {convert * 1000:6.1f}ms")
    worst = max(both / plain for _, plain, both, _, _ in rows)

    work = Path(tempfile.mkdtemp(prefix="policygen-bench-md-"))
    try:
        batch("html", work / "warm")
        plain = best(3, lambda: batch("html", work / "html"))
        both = best(3, lambda: batch("html,md", work / "md"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"batch of the examples, fresh process: html {plain:.2f} s, html+md {both:.2f} s, {both / plain:.2f}×")
    worst = max(worst, both / plain)
    verdict = "ok" if worst <= 2 else "MISSED"
    print(f"worst ratio {worst:.2f}× (target ≤ 2×) {verdict}")
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
