"""Text in any script for the certificate PDF: font fallback, Arabic shaping, right-to-left order.

reportlab draws one font per string and knows nothing of joining or direction, so a
line is prepared here first:

1. Arabic letters are replaced by their contextual presentation forms
   (arabic-reshaper), which Noto Sans Arabic maps in its cmap. The PDF's ToUnicode
   table then names real characters, so the text stays extractable and searchable.
2. The Unicode bidirectional algorithm (python-bidi) turns the logical string into
   visual order, so right-to-left runs are drawn left to right as they should appear.
3. The visual string is cut into runs, each in the first bundled font that has a
   glyph for its characters (Latin/Greek/Cyrillic, Arabic, Hebrew, CJK).

Every font is a TrueType file shipped in assets/fonts (see its README for licences),
registered once per process and embedded as a subset in each PDF.
reportlab is imported here, so import this module only where a PDF is drawn.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"

# Fallback chain, most specific first for the scripts that need it; the CJK font last
# because it also carries Latin glyphs that look worse than Noto's.
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("NotoSansHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("DroidSansFallback", "DroidSansFallbackFull.ttf", "DroidSansFallbackFull.ttf"),
)


@dataclass(frozen=True)
class Run:
    """A piece of a visual-order line drawn in one font."""

    text: str
    font: str


@dataclass(frozen=True)
class _Face:
    regular: str
    bold: str
    chars: frozenset[int]


def _unicode_of(code: int) -> str:
    """What a glyph stands for in the PDF's ToUnicode map, as UTF-16BE hex.

    Presentation forms (Arabic contextual letters, the lam-alef ligature) map to the
    letters they are compatibility-equivalent to, so copying or searching the PDF
    yields the name as typed rather than its drawn forms. Code points above the BMP
    are written as surrogate pairs (reportlab's own map would truncate them).
    """
    char = chr(code)
    if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        char = unicodedata.normalize("NFKC", char) or char
    return char.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{_unicode_of(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def faces() -> tuple[_Face, ...]:
    """Register the bundled fonts with reportlab (once) and return them with their coverage."""
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont

    # reportlab builds each embedded subset's ToUnicode map with this module-level
    # function; ours differs only for presentation forms and astral code points.
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap

    out = []
    for family, regular_file, bold_file in _FAMILIES:
        regular = TTFont(f"{family}", str(FONT_DIR / regular_file))
        pdfmetrics.registerFont(regular)
        if bold_file == regular_file:
            bold_name = family
        else:
            bold_name = f"{family}-Bold"
            pdfmetrics.registerFont(TTFont(bold_name, str(FONT_DIR / bold_file)))
        out.append(_Face(regular=family, bold=bold_name, chars=frozenset(regular.face.charToGlyph)))
    return tuple(out)


def _needs_shaping(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\u08a0" <= ch <= "\u08ff" for ch in text)


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL", "RLE", "RLO", "RLI") for ch in text)


def clean(text: str) -> str:
    """NFC, control characters and line breaks removed: a name is drawn on one line."""
    text = unicodedata.normalize("NFC", text)
    spaced = "".join(" " if ch in "\r\n\t" else ch for ch in text)
    return " ".join("".join(ch for ch in spaced if unicodedata.category(ch) != "Cc").split())


def visual(text: str) -> str:
    """The line as it is painted: Arabic shaped, right-to-left runs in visual order."""
    text = clean(text)
    if _needs_shaping(text):
        import arabic_reshaper

        text = arabic_reshaper.reshape(text)
    if _has_rtl(text):
        from bidi import get_display

        text = get_display(text)
    return text


def _face_for(ch: str, faces_: tuple[_Face, ...]) -> _Face | None:
    code = ord(ch)
    for face in faces_:
        if code in face.chars:
            return face
    return None


def runs(text: str, *, bold: bool = False) -> list[Run]:
    """Split a visual-order line into runs by the font that covers each character.

    Spaces and marks stay in the run they follow; a character no bundled font has is
    dropped from drawing rather than shown as an empty box (and reported by `missing`).
    """
    faces_ = faces()
    out: list[Run] = []
    current: _Face | None = None
    buf: list[str] = []
    for ch in text:
        neutral = ch.isspace() or unicodedata.category(ch).startswith("M")
        if neutral and current is not None and ord(ch) in current.chars:
            buf.append(ch)
            continue
        face = _face_for(ch, faces_)
        if face is None:
            continue
        if face is not current:
            if buf and current is not None:
                out.append(Run("".join(buf), current.bold if bold else current.regular))
            current, buf = face, []
        buf.append(ch)
    if buf and current is not None:
        out.append(Run("".join(buf), current.bold if bold else current.regular))
    return out


def missing(text: str) -> list[str]:
    """Characters of `text` that no bundled font can draw."""
    faces_ = faces()
    return sorted({ch for ch in visual(text) if not ch.isspace() and _face_for(ch, faces_) is None})


def width(line: list[Run], size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(sum(stringWidth(run.text, run.font, size) for run in line))
