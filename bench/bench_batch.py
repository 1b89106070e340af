"""Benchmark of `policygen batch` against the targets of issue 4 (run by hand: `make bench`).

Generates N synthetic facts files from the catalogs, then times, each in a fresh process:
  (a) an HTML-only batch of N,                         target < 5 s for 1000
  (b) a PDF batch of M with --jobs 1 and --jobs 2,     target jobs 2 ≥ 1.8× faster than jobs 1
  (c) a no-change rebuild of the N,                    target < 1 s for 1000
  (f) `batch --check` of the N, all current,           target < 1 s for 1000
  (d) bare WeasyPrint HTML(string).write_pdf(pdf_variant="pdf/ua-1") (tagged, like policygen) on the same M policies' HTML in one process;
      policygen's per-policy PDF time (end to end, process start included) must be within
      1.15× of it (timed after `import weasyprint`)
  and `policygen --help` (< 0.3 s) and `policygen build --format html` of one file (< 0.5 s).
  (e) the stylesheet's share of the PDF time: the AziMiner example's page as policygen writes its
      PDF, and the same HTML with its <style> elements removed, in one process (CPU time, best of 3);
      target styled ≤ 1.3× unstyled (issue 10; the contents list keeps its page numbers).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import catalog  # noqa: E402
from generator.facts import parse  # noqa: E402

SERVICES = ["cloud_hashrate", "hosting", "monitoring", "pool", "marketplace", "mining_software", "equipment_sales"]
SEATS = ["us", "de", "hk", "nz", "sg", "gb", "ca", "fr", "nl", "ch", "ae", "br"]
USER_REGIONS = ["us", "eea", "uk", "us-ca", "cn", "hk", "nz", "sg", "br", "ca", "global", "de", "fr", "au", "jp"]
DATA_REGIONS = ["us", "de", "sg", "hk", "nl", "ie", "ca", "nz"]
BARE_PDF = """
import sys, time
from pathlib import Path
import weasyprint
pages = [Path(p).read_text(encoding="utf-8") for p in sys.argv[1:]]
start = time.perf_counter()
for html in pages:
    weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")  # tagged, as policygen's default
print(time.perf_counter() - start)
"""


def synthetic_facts(rng: random.Random, index: int) -> dict:
    cat = catalog.load()
    regions = [r for r in USER_REGIONS if r in cat.regions]
    facts = {
        "schema_version": 1,
        "company": {"legal_name": f"Synthetic Mining {index:05d} Ltd", "website": f"https://miner{index}.example",
                    "country": rng.choice(SEATS), "description": "a crypto-mining service"},
        "services": rng.sample(SERVICES, rng.randint(1, 3)),
        "contact": {"email": f"privacy@miner{index}.example", "response_days": rng.choice([14, 30, 45])},
        "audience": {"minimum_age": rng.choice([16, 18, 18, 21]), "regions": rng.sample(regions, rng.randint(1, 4))},
        "data_collected": rng.sample(list(cat.data_categories), rng.randint(2, 8)),
        "analytics": rng.sample(list(cat.trackers), rng.randint(0, 4)),
        "data_regions": rng.sample(DATA_REGIONS, rng.randint(1, 2)),
        "transfer_safeguards": ["scc"],
        "retention": {"default": f"{rng.randint(1, 7)} years after the account closes", "logs": "90 days"},
        "marketing_emails": rng.choice(["consent", "opt_out", "none"]),
    }
    if rng.random() < 0.5:  # half leave the date out, so "Last updated" follows the text
        facts["policy"] = {"effective_date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    if rng.random() < 0.6:
        facts["kyc"] = {"vendor": rng.choice(list(cat.kyc_vendors)),
                        "documents": rng.sample(list(cat.kyc_documents), rng.randint(1, 4)),
                        "storage_region": rng.choice(DATA_REGIONS)}
    return facts


def generate(folder: Path, count: int, seed: int = 4) -> list[Path]:
    """`count` valid facts files in ten subfolders (so the output mirrors nested folders)."""
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        facts = synthetic_facts(rng, i)
        text = yaml.safe_dump(facts, sort_keys=False)
        parse(text, f"synthetic {i}")  # a generator bug must not pass for a batch failure
        path = folder / f"group{i % 10}" / f"client{i:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def policygen() -> list[str]:
    script = Path(sys.executable).with_name("policygen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


CPU: dict[str, float] = {}   # command label → CPU seconds (user + system) of the run, all processes


def timed(args: list[str], label: str | None = None) -> float:
    """Wall time of one run; its CPU time goes to CPU[label], to tell a busy machine from a slow program."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"benchmark: {' '.join(args)} exited {done.returncode}\n{done.stderr[-2000:]}")
    if label:
        CPU[label] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed


def best_of(runs: int, args: list[str]) -> float:
    return min(timed(args) for _ in range(runs))


STYLE_COST_EXAMPLE = ROOT / "questionnaires" / "examples" / "aziminer.yaml"


def style_cost(runs: int = 3) -> tuple[float, float]:
    """(styled, unstyled) CPU seconds of one PDF of the AziMiner policy, both timed in this process."""
    import re  # noqa: PLC0415

    from generator.build import produce  # noqa: PLC0415
    from generator.facts import load  # noqa: PLC0415
    from generator.pdf import html_to_pdf, warm_up  # noqa: PLC0415

    styled = produce(load(STYLE_COST_EXAMPLE), ("html",)).files["html"].decode("utf-8")
    unstyled = re.sub(r"<style\b.*?</style>|<link\b[^>]*>", "", styled, flags=re.S)
    assert unstyled != styled
    warm_up()
    html_to_pdf(unstyled)   # the first PDF of a process also loads fonts: keep it out of both timings
    best = {"styled": float("inf"), "unstyled": float("inf")}
    for _ in range(runs):   # interleaved, so a busy moment of the machine hits both alike
        for name, html in (("styled", styled), ("unstyled", unstyled)):
            gc.collect()   # a collection of the other run's garbage must not land in this one's time
            gc.disable()
            start = time.process_time()
            html_to_pdf(html)
            best[name] = min(best[name], time.process_time() - start)
            gc.enable()
    return best["styled"], best["unstyled"]


def example_pdfs() -> list[tuple[str, int, float, int]]:
    """(example, PDF pages, seconds to build its PDF in this process, Markdown words) for each example:
    a shorter policy builds faster too."""
    from pypdf import PdfReader  # noqa: PLC0415

    from generator.build import convert, produce  # noqa: PLC0415
    from generator.facts import load  # noqa: PLC0415
    from generator.pdf import warm_up  # noqa: PLC0415

    warm_up()
    rows = []
    for path in sorted((ROOT / "questionnaires" / "examples").glob("*.yaml")):
        rendered = produce(load(path), ("html",), str(path)).rendered
        start = time.perf_counter()
        pdf = convert(rendered, ("pdf",))["pdf"]
        seconds = time.perf_counter() - start
        words = len(convert(rendered, ("md",))["md"].decode("utf-8").split())
        rows.append((path.stem, len(PdfReader(io.BytesIO(pdf)).pages), seconds, words))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="policies for the HTML and no-change runs (default 1000)")
    parser.add_argument("--pdf-n", type=int, default=40, help="policies for the PDF runs (default 40)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print where it is")
    parser.add_argument("--style-only", action="store_true", help="only (e), the stylesheet's cost in the PDF")
    options = parser.parse_args()
    if options.style_only:
        styled, unstyled = style_cost()
        print(f"(e) AziMiner PDF: styled {styled:.3f} s, without CSS {unstyled:.3f} s (CPU): "
              f"{styled / unstyled:.3f}× (target ≤ 1.3×)")
        return 0 if styled / unstyled <= 1.3 else 1

    work = Path(tempfile.mkdtemp(prefix="policygen-bench-"))
    pg = policygen()
    try:
        facts_dir, pdf_dir = work / "facts", work / "pdf-facts"
        generate(facts_dir, options.n)
        pdf_sources = generate(pdf_dir, options.pdf_n, seed=5)
        print(f"policygen batch benchmark: {options.n} policies (HTML), {options.pdf_n} (PDF), "
              f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

        load_before = os.getloadavg()[0]
        html = timed(pg + ["batch", str(facts_dir), "-o", str(work / "out-html"), "--format", "html"], "html")
        unchanged = timed(pg + ["batch", str(facts_dir), "-o", str(work / "out-html"), "--format", "html"], "unchanged")
        checked = timed(pg + ["batch", str(facts_dir), "-o", str(work / "out-html"), "--format", "html", "--check"],
                        "check")
        jobs1 = timed(pg + ["batch", str(pdf_dir), "-o", str(work / "out-pdf1"), "--format", "pdf", "--jobs", "1"], "jobs1")
        jobs2 = timed(pg + ["batch", str(pdf_dir), "-o", str(work / "out-pdf2"), "--format", "pdf", "--jobs", "2"], "jobs2")

        timed(pg + ["batch", str(pdf_dir), "-o", str(work / "pdf-html"), "--format", "html", "--jobs", "1"])
        pages = [str(work / "pdf-html" / p.relative_to(pdf_dir).with_suffix(".html")) for p in pdf_sources]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        bare = subprocess.run([sys.executable, "-c", BARE_PDF, *pages], capture_output=True, text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU["bare"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        bare_total = float(bare.stdout.strip())
        load_after = os.getloadavg()[0]

        help_time = best_of(5, pg + ["--help"])
        one = pdf_sources[0]
        build_html = best_of(5, pg + ["build", str(one), "-o", str(work / "one"), "--format", "html"])
        styled, unstyled = style_cost()
        examples = example_pdfs()
    finally:
        if options.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    per_pdf, per_bare = jobs1 / options.pdf_n, bare_total / options.pdf_n
    scale = 1000 / options.n
    cpu = {k: f"{v:.2f} s" for k, v in CPU.items()}
    rows = [
        (f"(a) HTML batch, {options.n} policies", f"{html:.2f} s", cpu["html"], f"{html * scale:.2f} s per 1000", "< 5 s per 1000",
         html * scale < 5 if options.n >= 1000 else None),
        (f"(c) no-change rebuild, {options.n}", f"{unchanged:.2f} s", cpu["unchanged"], f"{unchanged * scale:.2f} s per 1000",
         "< 1 s per 1000",
         unchanged * scale < 1 if options.n >= 1000 else None),
        (f"(f) batch --check, {options.n}", f"{checked:.2f} s", cpu["check"], f"{checked * scale:.2f} s per 1000",
         "< 1 s per 1000", checked * scale < 1 if options.n >= 1000 else None),
        (f"(b) PDF batch --jobs 1, {options.pdf_n}", f"{jobs1:.2f} s", cpu["jobs1"], f"{per_pdf * 1000:.0f} ms per policy", "", None),
        (f"(b) PDF batch --jobs 2, {options.pdf_n}", f"{jobs2:.2f} s", cpu["jobs2"], f"{jobs1 / jobs2:.2f}× faster than --jobs 1",
         "≥ 1.8×", jobs1 / jobs2 >= 1.8),
        (f"(d) bare WeasyPrint, {options.pdf_n}", f"{bare_total:.2f} s", cpu["bare"], f"{per_bare * 1000:.0f} ms per policy", "", None),
        ("    policygen PDF / bare WeasyPrint", "", "", f"{per_pdf / per_bare:.3f}×", "≤ 1.15×", per_pdf / per_bare <= 1.15),
        ("    the same in CPU time (both with imports)", "", "", f"{CPU['jobs1'] / CPU['bare']:.3f}×", "", None),
        ("(e) AziMiner PDF, styled / without CSS", "", f"{styled:.2f} s", f"{styled / unstyled:.3f}× ({unstyled:.2f} s without)",
         "≤ 1.3×", styled / unstyled <= 1.3),
        ("policygen --help", f"{help_time:.3f} s", "", "best of 5", "< 0.3 s", help_time < 0.3),
        ("policygen build --format html (1 file)", f"{build_html:.3f} s", "", "best of 5", "< 0.5 s", build_html < 0.5),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'wall':>8}  {'CPU':>8}  {'':<26} {'target':<15}")
    for name, measured, used, ratio, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name:<{width}}  {measured:>8}  {used:>8}  {ratio:<26} {target:<15} {verdict}")
    print("\n(g) the examples: PDF pages and seconds to build each PDF (one process, after warm-up)")
    for name, pages, seconds, words in examples:
        print(f"    {name:<14} {pages:>3} pages  {seconds:6.2f} s  {words:>6} words of Markdown")
    print(f"load average (1 min) before/after the timed runs: {load_before:.2f} / {load_after:.2f}"
          f"{'  -- other processes were competing for the CPUs' if max(load_before, load_after) > 0.5 else ''}")
    return 0 if all(r[5] is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
