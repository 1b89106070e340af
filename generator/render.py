"""HTML from the clause plan: one cached Jinja Environment, autoescaped and strict."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError as JinjaError
from markupsafe import Markup, escape

from generator import __version__
from generator.clauses import PlannedSection, applicable_laws, plan
from generator.branding import brand_style
from generator.errors import TemplateError
from generator.facts import Facts
from generator.jinjacache import bytecode_cache
from generator.manifest import TEMPLATES_DIR  # defined once, in a module with no heavy imports
from generator.provenance import Access, Recorder, law_owners, model_keys, recording
from generator.view import build_view, in_text, long_date



# These helpers run thousands of times per policy: they build strings from escape()d parts
# instead of Markup.format, which is several times slower and escapes exactly the same way.

def join_and(items, conjunction: str = "and") -> Markup:
    """'a, b and c' with every item escaped."""
    items = [str(escape(i)) for i in items]
    if len(items) <= 2:
        return Markup(f" {conjunction} ".join(items))
    return Markup(", ".join(items[:-1]) + f" {conjunction} " + items[-1])


def mailto(address: str) -> Markup:
    address = escape(address)
    return Markup(f'<a href="mailto:{address}">{address}</a>')


def link(url: str, text: str | None = None) -> Markup:
    return Markup(f'<a href="{escape(url)}">{escape(text or url)}</a>')


def capfirst(text) -> Markup:
    text = str(escape(text))
    return Markup(text[:1].upper() + text[1:])


def lcfirst(text) -> Markup:
    """Lower-case a name's first letter for use mid-sentence, but leave acronyms ("ID", "KYC") alone."""
    text = str(escape(text))
    if len(text) > 1 and text[1].isupper():
        return Markup(text)
    return Markup(text[:1].lower() + text[1:])


def _make_environment(cls: type[Environment], **options) -> Environment:
    env = cls(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        **options,
    )
    env.filters.update(join_and=join_and, mailto=mailto, link=link, long_date=long_date, in_text=in_text, capfirst=capfirst, lcfirst=lcfirst)
    return env


@functools.cache
def environment() -> Environment:
    return _make_environment(Environment, bytecode_cache=bytecode_cache())


@functools.cache
def recording_environment() -> Environment:
    """The same templates, compiled to report what they read (generator/recording.py); explain only.

    No bytecode cache: its compiled code differs from the plain environment's for the same source.
    """
    from generator.recording import RecordingEnvironment  # noqa: PLC0415

    return _make_environment(RecordingEnvironment)


@dataclass(frozen=True)
class RenderedSection:
    section: PlannedSection
    html: Markup


@dataclass(frozen=True)
class RenderedPolicy:
    html: str
    sections: list[RenderedSection]
    title: str


def _reference(sections: list[PlannedSection]):
    by_id = {s.id: s for s in sections}
    # "section 5 (Identity verification)": a title's own bracket would nest inside ours.
    short_titles = {s.id: re.sub(r"\s*\([^()]*\)$", "", s.title) for s in sections}

    def ref(section_id: str, text: str | None = None, cap: bool = False, short: bool = False) -> Markup:
        # A link to a section the plan left out would be a dangling cross-reference.
        if section_id not in by_id:
            raise TemplateError(f"clause links to section {section_id!r}, which this policy does not have")
        target = by_id[section_id]
        label = text or f"{'Section' if cap else 'section'} {target.number}" + ("" if short else f" ({short_titles[section_id]})")
        return Markup(f'<a href="#{escape(section_id)}">{escape(label)}</a>')

    return ref


def _context(facts: Facts) -> tuple[list[PlannedSection], object, dict]:
    sections = plan(facts)
    view = build_view(facts)
    present = {s.id for s in sections}
    return sections, view, dict(p=view, ref=_reference(sections), has_section=present.__contains__,
                                brand=brand_style(facts.company))


def _template_error(exc: JinjaError) -> TemplateError:
    where = f" ({exc.filename}:{exc.lineno})" if getattr(exc, "lineno", None) else ""
    return TemplateError(f"template error{where}: {exc.message}")


def render(facts: Facts, draft=None) -> RenderedPolicy:
    """The policy; `draft` (build.Draft: missing, problems) adds the first page's Draft marker."""
    env = environment()
    sections, view, context = _context(facts)
    rendered = []
    try:
        for section in sections:
            body = env.get_template(section.template).render(context, section=section)
            rendered.append(RenderedSection(section, Markup(body.strip())))
    except JinjaError as exc:
        raise _template_error(exc) from exc
    title = f"Privacy Policy of {view.company.name}"
    return RenderedPolicy(html=_layout(context, rendered, title, draft), sections=rendered, title=title)


def with_draft(facts: Facts, rendered: RenderedPolicy, draft) -> RenderedPolicy:
    """The same policy with the Draft marker: only the page layout is rendered again, not the sections."""
    _, _, context = _context(facts)
    return RenderedPolicy(html=_layout(context, rendered.sections, rendered.title, draft),
                          sections=rendered.sections, title=rendered.title)


def _layout(context: dict, rendered: list[RenderedSection], title: str, draft) -> str:
    try:
        return environment().get_template("policy.html.j2").render(
            context, sections=rendered, title=title, version=__version__, draft=draft)
    except JinjaError as exc:
        raise _template_error(exc) from exc


@dataclass(frozen=True)
class Segment:
    """A stretch html[start:end] of the rendered policy and what it was made from."""

    start: int
    end: int
    accesses: tuple[Access, ...]


@dataclass(frozen=True)
class RecordedPolicy:
    policy: RenderedPolicy
    segments: list[Segment]   # in order, covering the whole HTML


def _recorded_chunks(template, recorder: Recorder, context: dict, **extra) -> list[tuple[str, tuple[Access, ...]]]:
    """The template's output chunk by chunk, each with what it read (see generator/recording.py)."""
    recorder.reset()
    chunks = []
    for chunk in template.generate(context, **extra):
        chunks += [(text, tuple(accesses)) for text, accesses in recorder.chunk(chunk)]
    return chunks


def _segments(chunks: list[tuple[str, tuple[Access, ...]]], strip: bool = False) -> tuple[str, list[Segment]]:
    """The chunks joined, each as a Segment; with strip, of the stripped text (as a section body is)."""
    body = "".join(text for text, _ in chunks)
    html = body.strip() if strip else body
    offset = -(len(body) - len(body.lstrip())) if strip else 0
    segments = []
    for text, accesses in chunks:
        start, end = max(offset, 0), min(offset + len(text), len(html))
        if end > start:
            segments.append(Segment(start, end, accesses))
        offset += len(text)
    return html, segments


def record(template, context: dict, laws=(), leaves=frozenset(), **extra) -> tuple[str, list[Segment]]:
    """One template of a RecordingEnvironment rendered, with the record of what each stretch read.

    `laws`: the ids of the laws that apply; `leaves`: the facts keys a path from `p` can name.
    """
    view = context.get("p")
    recorder = Recorder(law_owners(view), root=view, leaves=leaves, laws=laws)
    with recording(recorder):
        return _segments(_recorded_chunks(template, recorder, context, **extra))


def _facts_leaves() -> frozenset[str]:
    return model_keys(Facts)[0]


def render_recorded(facts: Facts, draft=None) -> RecordedPolicy:
    """The same policy as render(facts, draft), byte for byte, with a record of what each stretch of HTML read.

    Used by `policygen explain` only: build and batch take render(), which records nothing.
    """
    env = recording_environment()
    sections, view, context = _context(facts)
    recorder = Recorder(law_owners(view), root=view, leaves=_facts_leaves(), laws=applicable_laws(facts))
    rendered: list[RenderedSection] = []
    section_segments: list[list[Segment]] = []
    try:
        with recording(recorder):
            for section in sections:
                chunks = _recorded_chunks(env.get_template(section.template), recorder, context, section=section)
                html, segments = _segments(chunks, strip=True)
                rendered.append(RenderedSection(section, Markup(html)))
                section_segments.append(segments)
            title = f"Privacy Policy of {view.company.name}"
            chunks = _recorded_chunks(env.get_template("policy.html.j2"), recorder, context,
                                      sections=rendered, title=title, version=__version__, draft=draft)
    except JinjaError as exc:
        raise _template_error(exc) from exc
    segments: list[Segment] = []
    offset = 0
    pending = 0  # the next section whose body the page template has not output yet
    for text, accesses in chunks:
        if pending < len(rendered) and text == rendered[pending].html:
            # The section's own record replaces the one chunk that output its whole body.
            segments += [Segment(offset + s.start, offset + s.end, s.accesses + accesses)
                         for s in section_segments[pending]]
            pending += 1
        elif text:
            segments.append(Segment(offset, offset + len(text), accesses))
        offset += len(text)
    html = "".join(text for text, _ in chunks)
    return RecordedPolicy(RenderedPolicy(html=html, sections=rendered, title=title), segments)
