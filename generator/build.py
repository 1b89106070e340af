"""One policy from one facts file: facts → model → plan → HTML → PDF / Markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError
from generator.facts import Facts
from generator.output import safe_target, write_atomic

FORMATS = ("html", "pdf", "md")
DEFAULT_FORMATS = ("html", "pdf")


def parse_formats(text: str | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_FORMATS
    chosen = []
    for part in text.split(","):
        part = part.strip().lower()
        if part not in FORMATS:
            raise UsageError(f"--format: must be a comma-separated list of {', '.join(FORMATS)}, got {part!r}")
        if part not in chosen:
            chosen.append(part)
    return tuple(chosen)


def with_effective_date(facts: Facts, day: dt.date) -> Facts:
    """The same facts with `policy.effective_date` set, for files that leave it out."""
    policy = facts.policy.model_copy(update={"effective_date": day})
    return facts.model_copy(update={"policy": policy})


@dataclass(frozen=True)
class Produced:
    files: dict[str, bytes]   # format → bytes
    rendered: object          # RenderedPolicy


def produce(facts: Facts, formats: tuple[str, ...]) -> Produced:
    """Everything in memory first: a failure here leaves no file behind."""
    from generator.render import render  # noqa: PLC0415

    if facts.policy.effective_date is None:
        facts = with_effective_date(facts, dt.date.today())
    rendered = render(facts)
    files: dict[str, bytes] = {}
    if "html" in formats:
        files["html"] = rendered.html.encode("utf-8")
    if "pdf" in formats:
        from generator.pdf import html_to_pdf  # noqa: PLC0415

        files["pdf"] = html_to_pdf(rendered.html)
    if "md" in formats:
        from generator.markdown import html_to_markdown  # noqa: PLC0415

        files["md"] = html_to_markdown(rendered.html).encode("utf-8")
    return Produced(files, rendered)


def write_outputs(out_dir: Path, relative_stem: Path, files: dict[str, bytes]) -> list[Path]:
    written = []
    targets = {fmt: safe_target(out_dir, relative_stem.with_name(f"{relative_stem.name}.{fmt}")) for fmt in files}
    for fmt, data in files.items():
        write_atomic(targets[fmt], data)
        written.append(targets[fmt])
    return written


def build_file(path: Path, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    from generator.facts import load  # noqa: PLC0415

    facts = load(path)
    produced = produce(facts, formats)
    return write_outputs(out_dir, Path(path.stem), produced.files)
