"""PDF from the policy's HTML with WeasyPrint, imported only when a PDF is asked for."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.manifest import TEMPLATES_DIR


class BlockedResource(Exception):
    pass


@functools.cache
def _weasyprint():
    import weasyprint  # noqa: PLC0415 - slow import, only for PDFs

    return weasyprint


def safe_fetcher_class():
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher, URLFetchingError  # noqa: PLC0415

    class TemplateAssetsFetcher(URLFetcher):
        """Fetches files under templates/ and nothing else: no network, no other files."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme != "file":
                raise URLFetchingError(f"blocked: {parts.scheme or 'relative'} URL {url!r} (only template assets may load)")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(TEMPLATES_DIR) or not path.is_file():
                raise URLFetchingError(f"blocked: {url!r} is outside the templates folder")
            return weasyprint.urls.URLFetcherResponse(path.as_uri(), path.read_bytes())

    return TemplateAssetsFetcher


@functools.cache
def _fetcher():
    return safe_fetcher_class()()


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    return FontConfiguration()


def warm_up() -> None:
    """Import WeasyPrint and build the shared font configuration once per process."""
    _weasyprint()
    _fetcher()
    _font_config()


# --pdf-variant's names → WeasyPrint's write_pdf options. Every variant but `none` is tagged
# (a structure tree of headings, lists and tables, /MarkInfo), so screen readers can use it;
# PDF/A-3b is tagged too, as an accessible archive copy.
PDF_VARIANTS = {
    "ua": {"pdf_variant": "pdf/ua-1"},
    "a3b": {"pdf_variant": "pdf/a-3b", "pdf_tags": True},
    "none": {},
}
DEFAULT_PDF_VARIANT = "ua"


def opened(html: str) -> str:
    """The HTML with every law's section unfolded: on paper nothing can be clicked open."""
    return html.replace('<details class="law">', '<details class="law" open>')


def html_to_pdf(html: str, variant: str = DEFAULT_PDF_VARIANT) -> bytes:
    html = opened(html)
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=_fetcher())
    # The identifier is a hash of the content, so the same policy always gives the same bytes.
    return document.write_pdf(font_config=_font_config(), pdf_identifier=True, **PDF_VARIANTS[variant])
