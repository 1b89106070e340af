"""HTML from the clause plan: one cached Jinja Environment, autoescaped and strict."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError as JinjaError
from markupsafe import Markup, escape

from generator import __version__
from generator.clauses import PlannedSection, plan
from generator.errors import TemplateError
from generator.facts import Facts
from generator.jinjacache import bytecode_cache
from generator.manifest import TEMPLATES_DIR  # defined once, in a module with no heavy imports
from generator.view import build_view, long_date



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


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        bytecode_cache=bytecode_cache(),
    )
    env.filters.update(join_and=join_and, mailto=mailto, link=link, long_date=long_date, capfirst=capfirst, lcfirst=lcfirst)
    return env


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


def render(facts: Facts) -> RenderedPolicy:
    env = environment()
    sections = plan(facts)
    view = build_view(facts)
    present = {s.id for s in sections}
    context = dict(p=view, ref=_reference(sections), has_section=present.__contains__)
    rendered = []
    try:
        for section in sections:
            body = env.get_template(section.template).render(context, section=section)
            rendered.append(RenderedSection(section, Markup(body.strip())))
        title = f"Privacy Policy of {view.company.name}"
        html = env.get_template("policy.html.j2").render(
            context, sections=rendered, title=title, version=__version__)
    except JinjaError as exc:
        where = f" ({exc.filename}:{exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise TemplateError(f"template error{where}: {exc.message}") from exc
    return RenderedPolicy(html=html, sections=rendered, title=title)
