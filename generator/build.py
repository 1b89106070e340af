"""One policy from one facts file: facts → model → plan → HTML → PDF / Markdown."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import IncompleteError, UsageError
from generator.facts import Facts
from generator.output import safe_target, write_atomic
from generator.pdf import DEFAULT_PDF_VARIANT  # a light module: WeasyPrint is imported only to write a PDF

FORMATS = ("html", "pdf", "md", "fragment")
DEFAULT_FORMATS = ("html", "pdf")
# The file name ending of each format; a fragment sits beside the page it is cut from.
EXTENSIONS = {"html": "html", "pdf": "pdf", "md": "md", "fragment": "fragment.html"}


def parse_formats(text: str | None, fragment: bool = False) -> tuple[str, ...]:
    """--format's list; `fragment` (--fragment) adds the fragment to it."""
    if not text:
        return DEFAULT_FORMATS + ("fragment",) if fragment else DEFAULT_FORMATS
    chosen = []
    for part in text.split(",") + (["fragment"] if fragment else []):
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
class Draft:
    """What the first page's Draft marker counts."""

    missing: int              # required disclosures the policy does not make
    problems: int             # problems `check` found (law leakage, contradictions, …)


def checked(facts: Facts, rendered, file: str, today: dt.date, strict: bool = False):
    """(policy, warnings): the rules of `check` on the policy already rendered.

    Every missing disclosure and problem becomes a warning line `file: rule: message`, and
    the policy gets a Draft marker; with `strict` nothing is returned but an IncompleteError.
    """
    from generator.check import evaluate  # noqa: PLC0415
    from generator.render import with_draft  # noqa: PLC0415

    report = evaluate(facts, rendered.html, today)
    if report.ok:
        return rendered, []
    warnings = report.warnings(file)
    if strict:
        raise IncompleteError(warnings, f"{file}: not written (--strict): {len(report.missing)} required "
                                        f"disclosures missing, {len(report.problems)} problems found")
    return with_draft(facts, rendered, Draft(len(report.missing), len(report.problems))), warnings


@dataclass(frozen=True)
class Produced:
    files: dict[str, bytes]   # format → bytes
    rendered: object          # RenderedPolicy
    warnings: tuple[str, ...] = ()


def produce(facts: Facts, formats: tuple[str, ...], file: str = "facts.yaml", strict: bool = False,
            pdf_variant: str = DEFAULT_PDF_VARIANT) -> Produced:
    """Everything in memory first: a failure here leaves no file behind."""
    from generator.render import render  # noqa: PLC0415

    if facts.policy.effective_date is None:
        facts = with_effective_date(facts, dt.date.today())
    rendered, warnings = checked(facts, render(facts), file, dt.date.today(), strict)
    return Produced(convert(rendered, formats, pdf_variant), rendered, tuple(warnings))


def output_stem(path: Path) -> str:
    """The name a facts file's outputs take (`acme.yaml` → `acme`), or a UsageError for `..yaml`."""
    stem = path.stem
    if stem in ("", ".", "..") or "/" in stem or "\0" in stem:
        raise UsageError(f"{path}: cannot name the output files after this file (its name without the "
                         f"extension is {stem!r}); rename it, such as to acme.yaml")
    return stem


def write_outputs(out_dir: Path, relative_stem: Path, files: dict[str, bytes]) -> list[Path]:
    written = []
    targets = {fmt: safe_target(out_dir, relative_stem.with_name(f"{relative_stem.name}.{EXTENSIONS.get(fmt, fmt)}")) for fmt in files}
    for fmt, data in files.items():
        write_atomic(targets[fmt], data)
        written.append(targets[fmt])
    return written


@dataclass(frozen=True)
class Built:
    """One policy built into an output folder: what was written and the version it shows."""

    written: dict[str, Path]    # format → file
    version: object             # manifest.Version
    templates: list[str]        # the templates the policy was rendered from
    warnings: tuple[str, ...] = ()   # missing disclosures and problems, one line each


def content_hash(rendered) -> str:
    """The policy's text, section by section; layout, CSS and version do not count."""
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256(rendered.title.encode("utf-8") + b"\0")
    for item in rendered.sections:
        s = item.section
        digest.update(f"{s.id}\0{s.number}\0{s.title}\0".encode("utf-8") + str(item.html).encode("utf-8") + b"\0")
    return digest.hexdigest()


def render_versioned(facts: Facts, facts_hash: str, previous, today: dt.date):
    """Render with the right "Last updated" date, returning (RenderedPolicy, Version).

    A date given in the facts wins. Otherwise the previous version's date is kept while
    the text is unchanged, and today's date is used when it changed. The text is compared
    as rendered with the previous date, so an unchanged policy is rendered only once.
    """
    from generator.manifest import Version  # noqa: PLC0415
    from generator.render import render  # noqa: PLC0415

    if facts.policy.effective_date is not None:
        rendered = render(facts)
        return rendered, Version(facts.policy.effective_date.isoformat(), facts_hash, content_hash(rendered))
    try:
        day = dt.date.fromisoformat(previous.date) if previous else today
    except (TypeError, ValueError):  # a hand-edited manifest: start a new history
        previous, day = None, today
    rendered = render(with_effective_date(facts, day))
    content = content_hash(rendered)
    if previous and content != previous.content and day != today:
        day = today
        rendered = render(with_effective_date(facts, day))
        content = content_hash(rendered)
    return rendered, Version(day.isoformat(), facts_hash, content)


ANNEXES = ("inline", "separate")


def convert(rendered, formats: tuple[str, ...], annexes: str = "inline", stem: str = "policy",
            pdf_variant: str = DEFAULT_PDF_VARIANT) -> dict[str, bytes]:
    """format → bytes; with annexes "separate", also "<section id>.html" for each law's own page."""
    files: dict[str, bytes] = {}
    if "html" in formats:
        if annexes == "separate":
            from generator.annexes import split  # noqa: PLC0415

            main, pages = split(rendered.html, stem)
            files["html"] = main.encode("utf-8")
            files.update({f"{sid}.html": page.encode("utf-8") for sid, page in pages.items()})
        else:
            files["html"] = rendered.html.encode("utf-8")
    if "pdf" in formats:
        from generator.pdf import html_to_pdf  # noqa: PLC0415

        files["pdf"] = html_to_pdf(rendered.html, pdf_variant)
    if "md" in formats:
        from generator.markdown import html_to_markdown  # noqa: PLC0415

        files["md"] = html_to_markdown(rendered.html).encode("utf-8")
    if "fragment" in formats:
        from generator.fragment import html_to_fragment  # noqa: PLC0415

        files["fragment"] = html_to_fragment(rendered.html).encode("utf-8")
    return files


def build_into(path: Path, data: bytes, out_dir: Path, stem: str, formats: tuple[str, ...],
               previous, today: dt.date, strict: bool = False, pdf_variant: str = DEFAULT_PDF_VARIANT,
               annexes: str = "inline") -> Built:
    """Parse, render, check and write one policy; nothing is written unless every format was produced."""
    from generator.facts import validate  # noqa: PLC0415
    from generator.manifest import sha256  # noqa: PLC0415
    from generator.yamlio import decode, load_text  # noqa: PLC0415

    file = str(path)
    parsed, lines = load_text(decode(data, file), file)
    facts = validate(parsed, file, lines)
    rendered, version = render_versioned(facts, sha256(data), previous, today)
    if facts.policy.effective_date is None:
        facts = with_effective_date(facts, dt.date.fromisoformat(version.date))
    rendered, warnings = checked(facts, rendered, file, today, strict)
    templates = template_dependencies(rendered, formats)
    files = convert(rendered, formats, annexes, Path(stem).name, pdf_variant)
    written = write_outputs(out_dir, Path(stem), files)
    return Built(dict(zip(files, written)), version, templates, tuple(warnings))


def template_dependencies(rendered, formats: tuple[str, ...]) -> list[str]:
    """Every file under templates/ this policy was made from: its section templates, the
    layout, whatever they include or import, and for PDFs the assets WeasyPrint may load."""
    from generator.manifest import TEMPLATES_DIR  # noqa: PLC0415

    names = {"policy.html.j2"} | {item.section.template for item in rendered.sections}
    found: set[str] = set()
    for name in names:
        found |= _referenced(name)
    if None in found:  # a computed include name: any template may be used
        return sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*") if p.is_file())
    if "pdf" in formats:
        found |= {p.relative_to(TEMPLATES_DIR).as_posix() for p in (TEMPLATES_DIR / "assets").rglob("*") if p.is_file()}
    return sorted(found)


# The names a template pulls in; a name that is not a plain string literal counts as "any template".
_REFERENCE = re.compile(r"""\{%-?\+?\s*(?:include|import|extends|from)\s+(?:(["'])([^"'\n]+)\1|(.))""")


@functools.cache
def _referenced(name: str) -> frozenset:
    """`name` and every template it includes, imports or extends, recursively.

    A scan of the source rather than a Jinja parse: parsing the clause library costs
    more than rendering a policy, and the bytecode cache skips parsing otherwise.
    """
    from generator.render import environment  # noqa: PLC0415

    env = environment()
    source, _, _ = env.loader.get_source(env, name)
    found = {name}
    for match in _REFERENCE.finditer(source):
        found |= {None} if match[3] is not None else _referenced(match[2])
    return frozenset(found)


def build_file(path: Path, out_dir: Path, formats: tuple[str, ...], today: dt.date | None = None,
               strict: bool = False, pdf_variant: str = DEFAULT_PDF_VARIANT, annexes: str = "inline") -> Built:
    """`policygen build`: always builds, and keeps the "Last updated" rule through the folder's manifest."""
    from generator.errors import read_facts_bytes  # noqa: PLC0415
    from generator.manifest import Fingerprints, Manifest, current_version, output_record, updated_entry  # noqa: PLC0415

    stem = output_stem(path)
    data = read_facts_bytes(path)
    manifest = Manifest(out_dir)
    entry = manifest.entries.get(stem)
    built = build_into(path, data, out_dir, stem, formats, current_version(entry), today or dt.date.today(), strict,
                       pdf_variant, annexes)
    fingerprints = Fingerprints.current()
    records = {fmt: output_record(out_dir, file, built.version.facts, built.templates, fingerprints)
               for fmt, file in built.written.items()}
    if "pdf" in records:
        records["pdf"]["pdf_variant"] = pdf_variant
    manifest.save({stem: updated_entry(entry, str(path), built.version, records)})
    return built
