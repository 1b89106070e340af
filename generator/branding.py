"""Company branding: the brand colour (checked for WCAG contrast) and the logo (checked by content, embedded).

The facts model validates both with these functions; the page template reads `brand_style`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

MAX_LOGO_BYTES = 512 * 1024
MIN_CONTRAST = 4.5               # WCAG 2 AA for normal text
WHITE = (255, 255, 255)
DARK_TINT = (0x1E, 0x24, 0x30)   # --tint in screen.css' dark mode, the lighter of its two backgrounds
LIGHT_TINT = (0xF3, 0xF6, 0xF9)  # --tint in policy.css, behind the contents list and callouts
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class BrandingError(ValueError):
    """What is wrong with a colour or a logo, in the words a facts file's author reads."""


# --- colour -------------------------------------------------------------------------

def parse_hex(text: str) -> tuple[int, int, int]:
    match = _HEX.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise BrandingError("must be a hex colour such as #1f5f8b")
    digits = match[1] if len(match[1]) == 6 else "".join(c * 2 for c in match[1])
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


def to_hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _mix(rgb, towards, share: float):
    return tuple(c + (t - c) * share for c, t in zip(rgb, towards))


def _shade_with_contrast(rgb, towards, background) -> tuple[int, int, int]:
    """The least change of `rgb` towards `towards` (black or white) that reads on `background`."""
    for step in range(0, 101):
        candidate = tuple(round(c) for c in _mix(rgb, towards, step / 100))
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return towards


def brand_color(text: str) -> str:
    """The colour as #rrggbb, or BrandingError when text in it would not read on white."""
    rgb = parse_hex(text)
    ratio = contrast(rgb, WHITE)
    if ratio < MIN_CONTRAST:
        suggestion = to_hex(_shade_with_contrast(rgb, (0, 0, 0), WHITE))
        raise BrandingError(f"must have a contrast of at least {MIN_CONTRAST}:1 with white, so that links and "
                            f"headings in it stay readable (WCAG AA; {text.strip()} has {ratio:.2f}:1, "
                            f"a darker shade such as {suggestion} has enough)")
    return to_hex(rgb)


def dark_mode_variant(color: str) -> str:
    """The brand colour lightened just enough to keep AA contrast on dark mode's backgrounds."""
    return to_hex(_shade_with_contrast(parse_hex(color), WHITE, DARK_TINT))


def on_tint_variant(color: str) -> str:
    """The brand colour darkened, if need be, to keep AA contrast on the light tint."""
    return to_hex(_shade_with_contrast(parse_hex(color), (0, 0, 0), LIGHT_TINT))


# --- logo ---------------------------------------------------------------------------

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_DROPPED_ELEMENTS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler", "listener"}
_REFERENCING = {"image", "use", "feImage"}
_SAFE_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);)", re.I)
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


class Logo(str):
    """The logo's path as the facts file gives it, carrying the image as a data: URI."""

    data_uri: str

    def __new__(cls, path: str, data_uri: str):
        logo = super().__new__(cls, path)
        logo.data_uri = data_uri
        return logo


def load_logo(relative: str, folder: Path) -> Logo:
    if not isinstance(relative, str) or not relative.strip():
        raise BrandingError("must be the path of a PNG, SVG or JPEG file, relative to the facts file")
    path = Path(relative.strip())
    if path.is_absolute() or ".." in path.parts:
        raise BrandingError("must be a path inside the facts file's folder, such as logo.svg")
    file = folder / path
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise BrandingError(f"must name an existing file (not found in {folder})") from None
    except OSError as exc:
        raise BrandingError(f"must be a readable file ({exc.strerror})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError(f"must be an image of at most 512 KB (this one has {len(data) // 1024} KB)")
    mime, data = _image(data, relative)
    return Logo(relative.strip(), f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}")


def _image(data: bytes, name: str) -> tuple[str, bytes]:
    """(MIME type, bytes to embed), judged by the content, never by the file name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", data
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", data
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        return "image/svg+xml", sanitised_svg(data, name)
    raise BrandingError("must be a PNG, SVG or JPEG image (judged by the file's content, which is none of these)")


def sanitised_svg(data: bytes, name: str = "logo") -> bytes:
    """The SVG without scripts, event handlers, foreign content or references outside itself."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    from defusedxml import DefusedXmlException  # noqa: PLC0415
    from defusedxml.ElementTree import fromstring  # noqa: PLC0415

    try:
        root = fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ET.ParseError) as exc:
        raise BrandingError(f"must be a well-formed SVG without DTDs or entities ({exc})") from None
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise BrandingError("must be an SVG image whose root element is <svg>")
    _clean(root)
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _clean(element) -> None:
    for child in list(element):
        name = _local(child.tag)
        if not isinstance(child.tag, str) or name in _DROPPED_ELEMENTS or not child.tag.startswith(f"{{{_SVG_NS}}}"):
            element.remove(child)    # comments, processing instructions, scripts, HTML or other namespaces
        elif name == "style" and ("@import" in (child.text or "") or _EXTERNAL_URL.search(child.text or "")):
            element.remove(child)
        else:
            _clean(child)
    for attribute in list(element.attrib):
        value = element.attrib[attribute]
        local = _local(attribute)
        if (local.lower().startswith("on")
                or (local == "href" and not _SAFE_REFERENCE.match(value))
                or _EXTERNAL_URL.search(value) or "javascript:" in value.lower()):
            del element.attrib[attribute]
    for child in list(element):
        # An <image> or <use> that lost its reference would make the renderer look for one.
        if _local(child.tag) in _REFERENCING and not any(_local(a) == "href" for a in child.attrib):
            element.remove(child)


@dataclass(frozen=True)
class BrandStyle:
    """What the page template needs: the colours for the stylesheet and the logo to show."""

    accent: str | None
    accent_on_tint: str | None
    accent_dark: str | None
    logo: str | None          # a data: URI


def brand_style(company) -> BrandStyle:
    color = getattr(company, "brand_color", None)
    logo = getattr(company, "logo", None)
    if not color:
        return BrandStyle(None, None, None, getattr(logo, "data_uri", None))
    return BrandStyle(color, on_tint_variant(color), dark_mode_variant(color), getattr(logo, "data_uri", None))
