"""`policygen batch`: many facts files, in parallel worker processes, skipping what is unchanged."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from generator.discover import Item, discover, parse_shard, select_shard
from generator.errors import EXIT_FAILED, EXIT_OK, FactsError, PolicygenError, UsageError, read_facts_bytes
from generator.manifest import (FACTS_CHANGED, MISSING, Fingerprints, Manifest, Version, current_version, output_record, sha256,
                                staleness, updated_entry)
from generator.pdf import DEFAULT_PDF_VARIANT

# Below this many HTML/Markdown-only builds, starting worker processes costs more than it saves.
IN_PROCESS_MAX_LIGHT = 8


@dataclass(frozen=True)
class Task:
    path: Path
    stem: str
    data: bytes
    formats: tuple[str, ...]
    previous: Version | None
    strict: bool = False
    pdf_variant: str = DEFAULT_PDF_VARIANT


@dataclass
class Result:
    stem: str
    path: Path
    errors: list[str] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    version: Version | None = None
    templates: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()


@dataclass
class Summary:
    built: int = 0
    unchanged: int = 0
    failed: int = 0


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# -- worker side -------------------------------------------------------------------

_OUT_DIR: Path | None = None
_TODAY: dt.date | None = None


def _init_worker(out_dir: Path, today: dt.date, pdf: bool, parent_pid: int | None = None) -> None:
    global _OUT_DIR, _TODAY
    if parent_pid is not None:
        from generator.lifeline import die_with_parent  # noqa: PLC0415

        die_with_parent(parent_pid)
    _OUT_DIR, _TODAY = out_dir, today
    if pdf:
        from generator.pdf import warm_up  # noqa: PLC0415

        warm_up()


def _build_chunk(tasks: list[Task]) -> list[Result]:
    return [_build_one(task) for task in tasks]


def _build_one(task: Task) -> Result:
    from generator.build import build_into  # noqa: PLC0415

    result = Result(task.stem, task.path)
    try:
        built = build_into(task.path, task.data, _OUT_DIR, task.stem, task.formats, task.previous, _TODAY,
                           task.strict, task.pdf_variant)
    except PolicygenError as exc:
        # Facts errors name their file already; others (templates, output) need it added.
        lines = exc.lines()
        prefix = f"{task.path}:"
        result.errors = [line if line.startswith(prefix) else f"{task.path}: {line}" for line in lines]
    except Exception as exc:  # noqa: BLE001 - one broken policy must not stop the batch
        result.errors = [f"{task.path}: internal error while building: {type(exc).__name__}: {exc}"]
    else:
        result.written, result.version, result.templates = built.written, built.version, built.templates
        result.warnings = built.warnings
    return result


# -- the run -----------------------------------------------------------------------

class Reporter:
    """A progress bar on a terminal, one plain line per built or failed policy otherwise."""

    def __init__(self, total: int, interactive: bool):
        self.progress = None
        if interactive and total:
            from rich.console import Console  # noqa: PLC0415
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

            self.progress = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("{task.description}"),
                                     console=Console(stderr=True), transient=True)
            self.task = self.progress.add_task("", total=total)

    def __enter__(self):
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()

    def advance(self, count: int = 1, label: str = "") -> None:
        if self.progress:
            self.progress.update(self.task, advance=count, description=label)

    def built(self, result: Result) -> None:
        if not self.progress:  # on a terminal the bar shows progress; the summary gives the count
            files = ", ".join(str(p) for p in result.written.values())
            print(f"built {result.stem}: {files}")

    def failed(self, lines: list[str]) -> None:
        for line in lines:
            self._line(line, sys.stderr)

    def _line(self, text: str, stream) -> None:
        if self.progress:
            self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=stream, flush=False)


@dataclass
class Plan:
    """What a run would do: the builds, why each output needs one, and the inputs that cannot be read."""

    tasks: list[Task] = field(default_factory=list)
    reasons: list[tuple[Path, str]] = field(default_factory=list)   # (output, why it must be built)
    unchanged: int = 0
    failures: list[list[str]] = field(default_factory=list)


def plan(items: list[Item], clashes: dict, shard_spec, out_dir: Path, formats: tuple[str, ...], manifest: Manifest,
         fingerprints: Fingerprints, force: bool, strict: bool, pdf_variant: str = DEFAULT_PDF_VARIANT) -> Plan:
    """Compare each input with the manifest, by hashing bytes: no YAML is parsed, nothing is rendered."""
    result = Plan()
    for clash in select_shard([Item(found[0], stem) for stem, found in clashes.items()], shard_spec):
        names = " and ".join(str(p) for p in clashes[clash.stem])
        result.failures.append([f"{p}: would write the same output as another file ({names} → {out_dir / clash.stem}.*); "
                                "rename one or pass their folder instead" for p in clashes[clash.stem]])
    for item in items:
        try:
            data = read_facts_bytes(item.path)
        except FactsError as exc:
            result.failures.append(exc.lines())
            continue
        facts_hash = sha256(data)
        entry = manifest.entries.get(item.stem) or {}
        outputs = entry.get("outputs") or {}
        why = {fmt: "--force" if force else staleness(outputs.get(fmt), facts_hash, fingerprints, out_dir)
               for fmt in formats}
        if "pdf" in why and not why["pdf"] and outputs["pdf"].get("pdf_variant", DEFAULT_PDF_VARIANT) != pdf_variant:
            why["pdf"] = f"built as another PDF variant than --pdf-variant {pdf_variant}"
        stale = tuple(fmt for fmt in formats if why[fmt])
        if stale:
            result.tasks.append(Task(item.path, item.stem, data, stale, current_version(entry), strict, pdf_variant))
            named = {FACTS_CHANGED: f"{item.path} changed since it was built"}
            result.reasons += [(out_dir / f"{item.stem}.{fmt}", named.get(why[fmt], why[fmt])) for fmt in stale]
        else:
            result.unchanged += 1
    return result


def run(paths: list[str], out_dir: Path, formats: tuple[str, ...], jobs: int | None = None,
        force: bool = False, shard: str | None = None, interactive: bool | None = None,
        today: dt.date | None = None, strict: bool = False, check: bool = False,
        pdf_variant: str = DEFAULT_PDF_VARIANT) -> int:
    started = time.perf_counter()
    shard_spec = parse_shard(shard)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs: must be at least 1, got {jobs}")
    if check and force:
        raise UsageError("--check: builds nothing, so --force has nothing to do; leave one of them out")
    items, clashes = discover(paths)
    if not items and not clashes:
        raise UsageError(f"no facts files (*.yaml, *.yml) found in {', '.join(paths)}")
    items = select_shard(items, shard_spec)
    where = f" (shard {shard_spec[0]}/{shard_spec[1]})" if shard_spec else ""

    manifest = Manifest(out_dir)
    fingerprints = Fingerprints.current()
    work = plan(items, clashes, shard_spec, out_dir, formats, manifest, fingerprints, force, strict, pdf_variant)
    if check:
        return report_check(work, where)
    if interactive is None:
        interactive = sys.stderr.isatty()
    summary = Summary(unchanged=work.unchanged)
    progress = ProgressSaver(manifest)
    total = summary.unchanged + len(work.tasks) + len(work.failures)
    with Runner(work.tasks, out_dir, today or dt.date.today(), jobs or default_jobs()) as runner, \
            Reporter(total, interactive) as report:
        report.advance(summary.unchanged)
        for lines in work.failures:
            summary.failed += 1
            report.failed(lines)
            report.advance()
        try:
            for result in runner.results():
                if result.errors:
                    summary.failed += 1
                    report.failed(result.errors)
                else:
                    summary.built += 1
                    records = {fmt: output_record(out_dir, file, result.version.facts, result.templates, fingerprints)
                               for fmt, file in result.written.items()}
                    if "pdf" in records:  # a PDF of another variant is rebuilt, not kept
                        records["pdf"]["pdf_variant"] = pdf_variant
                    progress.add(result.stem, updated_entry(manifest.entries.get(result.stem), str(result.path),
                                                            result.version, records))
                    report.failed(list(result.warnings))   # missing disclosures and problems, on stderr
                    report.built(result)
                report.advance(label=result.stem)
        finally:
            # Whatever was built before an interruption is recorded, so it is not rebuilt.
            progress.flush()
    elapsed = time.perf_counter() - started
    print(f"{summary.built} built, {summary.unchanged} unchanged, {summary.failed} failed{where} "
          f"in {elapsed:.2f} s", flush=True)
    return EXIT_FAILED if summary.failed else EXIT_OK


def report_check(work: Plan, where: str) -> int:
    """`--check`: one line per output that a run would build, and exit 1 when there is any."""
    for lines in work.failures:
        for line in lines:
            print(line, file=sys.stderr)
    for output, why in work.reasons:
        print(f"{output}: {why}" if why == MISSING else f"{output}: stale: {why}")
    current = _count(work.unchanged, "policy is", "policies are")
    if not work.reasons and not work.failures:
        print(f"all {current} current{where}", flush=True)
        return EXIT_OK
    unreadable = f"; {_count(len(work.failures), 'input', 'inputs')} failed" if work.failures else ""
    print(f"{_count(len(work.reasons), 'output', 'outputs')} stale or missing{unreadable}; {current} current{where}; "
          "run the same command without --check to build them", flush=True)
    return EXIT_FAILED


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


class ProgressSaver:
    """Records finished builds in the manifest as the run goes, so a killed run is not redone.

    Saving rewrites the whole manifest, so it happens at most every SAVE_SECONDS, and never
    takes more than about 1/SAVE_SHARE of the run's time; and once more at the end.
    """

    SAVE_SECONDS = 0.5
    SAVE_SHARE = 20

    def __init__(self, manifest: Manifest):
        self.manifest = manifest
        self.pending: dict[str, dict] = {}
        self.next_save = time.monotonic() + self.SAVE_SECONDS

    def add(self, stem: str, entry: dict) -> None:
        self.pending[stem] = entry
        if time.monotonic() >= self.next_save:
            self.flush()

    def flush(self) -> None:
        started = time.monotonic()
        self.manifest.save(self.pending)
        self.pending = {}
        took = time.monotonic() - started
        self.next_save = time.monotonic() + max(self.SAVE_SECONDS, took * self.SAVE_SHARE)


class Runner:
    """Runs the tasks in this process or in worker processes; yields one Result per task as each finishes.

    The worker processes are started (forked) when the Runner is created, before any
    progress-bar thread exists, because forking a process that runs threads is unsafe.
    """

    def __init__(self, tasks: list[Task], out_dir: Path, today: dt.date, jobs: int):
        self.tasks, self.out_dir, self.today = tasks, out_dir, today
        self.pdf = any("pdf" in t.formats for t in tasks)
        self.workers = min(jobs, len(tasks))
        self.pool = None
        self.pending: dict = {}
        if self.workers > 1 and (self.pdf or len(tasks) > IN_PROCESS_MAX_LIGHT):
            self._start_pool()

    def _start_pool(self) -> None:
        import multiprocessing  # noqa: PLC0415

        # Workers forked from a parent that has already imported the builder start in milliseconds.
        import generator.build  # noqa: F401, PLC0415
        import generator.render  # noqa: F401, PLC0415

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        size = 1 if self.pdf else max(1, min(32, len(self.tasks) // (self.workers * 8)))
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init_worker,
                                        initargs=(self.out_dir, self.today, self.pdf, os.getpid()))
        # Largest first, so that two workers do not wait on one long PDF at the end.
        tasks = sorted(self.tasks, key=lambda t: -len(t.data)) if self.pdf else self.tasks
        for i in range(0, len(tasks), size):
            chunk = tasks[i:i + size]
            self.pending[self.pool.submit(_build_chunk, chunk)] = chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def results(self):
        if not self.pool:
            if self.tasks:
                _init_worker(self.out_dir, self.today, self.pdf)
            for task in self.tasks:
                yield _build_one(task)
            return
        while self.pending:
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = self.pending.pop(future)
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died (crash, out of memory)
                    results = [Result(t.stem, t.path, [f"{t.path}: worker process failed: {type(exc).__name__}: {exc}"])
                               for t in chunk]
                yield from results
