"""The certificate PDF: one landscape A4 page drawn with reportlab.

It carries the student's name, the course title, the completion date, the instructor,
the verification code and a QR code of the public verification URL. Every string is
real text in embedded font subsets (see `typesetting`), so the PDF is searchable and
names in any bundled script render. The QR code is drawn as vector squares, so it
stays sharp at any zoom and adds no image to the file.

reportlab and qrcode are imported inside `render`, never at module import.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

# Page geometry in points (landscape A4 is 842 x 595).
_MARGIN = 28
_MIN_SIZE = 12


@dataclass(frozen=True)
class CertificateContent:
    student_name: str
    course_title: str
    completion_date: str  # YYYY-MM-DD
    instructor: str
    verification_code: str
    verification_url: str


def human_date(iso_day: str) -> str:
    """'2026-01-17' -> 'January 17, 2026' (falls back to the input if it is not a date)."""
    try:
        day = date.fromisoformat(iso_day[:10])
    except ValueError:
        return iso_day
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _wrap(text: str, max_width: float, size: float, bold: bool) -> list[str]:
    """Greedy wrap in logical order: by words, and by characters inside a word too long for a line."""
    from functions.certificates import typesetting as ts

    def fits(candidate: str) -> bool:
        return ts.width(ts.runs(ts.visual(candidate), bold=bold), size) <= max_width

    lines: list[str] = []
    current = ""
    for word in ts.clean(text).split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        rest = word
        while rest and not fits(rest):
            cut = len(rest) - 1
            while cut > 1 and not fits(rest[:cut]):
                cut -= 1
            lines.append(rest[:cut])
            rest = rest[cut:]
        current = rest
    if current:
        lines.append(current)
    return lines or [""]


def _fit(text: str, max_width: float, size: float, bold: bool, max_lines: int) -> tuple[list[str], float]:
    """The largest size (down to a floor) at which `text` takes at most `max_lines` lines."""
    while True:
        lines = _wrap(text, max_width, size, bold)
        if len(lines) <= max_lines or size <= _MIN_SIZE:
            return lines[:max_lines], size
        size = max(_MIN_SIZE, size - 2)


def _centred(canvas: Any, text: str, x: float, y: float, size: float, *, bold: bool = False) -> None:
    from functions.certificates import typesetting as ts

    line = ts.runs(ts.visual(text), bold=bold)
    start = x - ts.width(line, size) / 2
    obj = canvas.beginText(start, y)
    for run in line:
        obj.setFont(run.font, size)
        obj.textOut(run.text)
    canvas.drawText(obj)


def _left(canvas: Any, text: str, x: float, y: float, size: float, *, bold: bool = False) -> None:
    from functions.certificates import typesetting as ts

    obj = canvas.beginText(x, y)
    for run in ts.runs(ts.visual(text), bold=bold):
        obj.setFont(run.font, size)
        obj.textOut(run.text)
    canvas.drawText(obj)


def _qr(canvas: Any, data: str, x: float, y: float, side: float) -> None:
    """Draw `data` as a QR code whose modules (quiet zone included) fill a `side` square."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + side - (row_index + 1) * module
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            path.rect(x + start * module, top, (col - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def render(content: CertificateContent) -> bytes:
    """The certificate as PDF bytes."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    from functions.certificates import typesetting as ts

    width, height = landscape(A4)
    buf = io.BytesIO()
    # The page preamble selects the canvas's initial font: make it an embedded one, not Helvetica.
    canvas = Canvas(buf, pagesize=(width, height), pageCompression=1, initialFontName=ts.faces()[0].regular)
    canvas.setTitle(f"Certificate of Completion: {ts.clean(content.course_title)}")
    canvas.setAuthor("SparkAcademy")
    canvas.setSubject(f"Verification code {content.verification_code}")
    canvas.setKeywords([content.verification_code])
    canvas.setCreator("SparkAcademy certificates")

    # Frame.
    canvas.setStrokeColorRGB(0.16, 0.27, 0.55)
    canvas.setLineWidth(4)
    canvas.rect(_MARGIN, _MARGIN, width - 2 * _MARGIN, height - 2 * _MARGIN)
    canvas.setLineWidth(1)
    canvas.rect(_MARGIN + 8, _MARGIN + 8, width - 2 * _MARGIN - 16, height - 2 * _MARGIN - 16)

    centre = width / 2
    text_width = width - 2 * _MARGIN - 80
    canvas.setFillColorRGB(0.16, 0.27, 0.55)
    _centred(canvas, "SparkAcademy", centre, height - 88, 16, bold=True)
    canvas.setFillColorRGB(0.1, 0.1, 0.1)
    _centred(canvas, "Certificate of Completion", centre, height - 132, 34, bold=True)
    _centred(canvas, "This certifies that", centre, height - 176, 14)

    name_lines, name_size = _fit(content.student_name, text_width, 36, True, 2)
    y = height - 226
    canvas.setFillColorRGB(0.16, 0.27, 0.55)
    for line in name_lines:
        _centred(canvas, line, centre, y, name_size, bold=True)
        y -= name_size * 1.25
    canvas.setFillColorRGB(0.1, 0.1, 0.1)
    _centred(canvas, "has successfully completed the course", centre, y - 4, 14)

    title_lines, title_size = _fit(content.course_title, text_width, 24, True, 3)
    y -= 44
    for line in title_lines:
        _centred(canvas, line, centre, y, title_size, bold=True)
        y -= title_size * 1.3
    _centred(canvas, f"Completed on {human_date(content.completion_date)}", centre, y - 6, 13)

    # Footer: instructor and code on the left, QR code on the right.
    base = _MARGIN + 40
    canvas.setStrokeColorRGB(0.4, 0.4, 0.4)
    canvas.line(base + 20, base + 58, base + 250, base + 58)
    instructor_lines, instructor_size = _fit(content.instructor, 230, 13, True, 1)
    _left(canvas, instructor_lines[0], base + 20, base + 40, instructor_size, bold=True)
    _left(canvas, "Instructor", base + 20, base + 24, 10)
    _left(canvas, f"Verification code: {content.verification_code}", base + 290, base + 40, 11, bold=True)
    _left(canvas, "Verify this certificate at:", base + 290, base + 24, 9)
    url_lines, url_size = _fit(content.verification_url, 300, 8, False, 1)
    _left(canvas, url_lines[0], base + 290, base + 12, url_size)
    qr_side = 92
    _qr(canvas, content.verification_url, width - _MARGIN - 40 - qr_side, base - 8, qr_side)

    canvas.showPage()
    canvas.save()
    return buf.getvalue()
