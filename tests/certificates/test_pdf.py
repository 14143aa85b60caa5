"""The certificate PDF read back: text extractable in every script, QR code decodable."""

from __future__ import annotations

import io

import pytest

from functions.certificates import pdf, typesetting

URL = "https://sparkacademy.test/api/certificates/verify/CERT-2026-ABC123"
NAMES = ["José Núñez", "Zoë Ødegård", "李雷", "محمد", "Ali محمد بن سلمان", "דוד לוי", "Алексей Смирнов"]


def content(name: str, title: str = "React Hooks Mastery", instructor: str = "Jane Teacher") -> pdf.CertificateContent:
    return pdf.CertificateContent(
        student_name=name,
        course_title=title,
        completion_date="2026-01-17",
        instructor=instructor,
        verification_code="CERT-2026-ABC123",
        verification_url=URL,
    )


def page_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def decode_qr(data: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("name", NAMES)
def test_render_name_in_any_script_is_extractable(name: str) -> None:
    # GIVEN a student name in one of the supported scripts WHEN the certificate is drawn
    data = pdf.render(content(name, title=f"Course for {name}"))
    # THEN the page text, read back, holds the name as typed, the course and the code
    text = page_text(data)
    assert name in text
    assert f"Course for {name}" in text
    assert "CERT-2026-ABC123" in text
    assert "January 17, 2026" in text
    assert "Jane Teacher" in text


@pytest.mark.parametrize("name", ["李雷", "محمد"])
def test_render_embeds_fonts_that_carry_the_glyphs(name: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.render(content(name))))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    wanted = "DroidSansFallback" if name == "李雷" else "NotoSansArabic"
    # Subset fonts are named "ABCDEF+Name" (embedded), never a bare standard font.
    assert any(b.endswith((wanted, f"{wanted}-Bold")) for b in base_fonts), base_fonts
    assert all("+" in b for b in base_fonts), base_fonts
    assert typesetting.missing(name) == []


def test_render_is_landscape_with_metadata() -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.render(content("Zoë Ødegård"))))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert reader.metadata.title == "Certificate of Completion: React Hooks Mastery"
    assert reader.metadata.subject == "Verification code CERT-2026-ABC123"


def test_render_qr_code_decodes_to_the_verification_url() -> None:
    assert decode_qr(pdf.render(content("李雷"))) == [URL]


def test_render_long_title_wraps_and_keeps_every_word() -> None:
    title = " ".join(["Comprehensive"] * 6 + ["Kubernetes", "Operations", "高级课程"] * 4)
    text = page_text(pdf.render(content("José Núñez", title=title)))
    flat = " ".join(text.split())
    assert title in flat


def test_visual_order_reverses_right_to_left_runs_only() -> None:
    assert typesetting.visual("Zoë") == "Zoë"
    assert typesetting.visual("דוד") == "דוד"[::-1]
    # Arabic is shaped into presentation forms (initial, medial, final) before reordering.
    shaped = typesetting.visual("محمد")
    assert shaped == "\ufeaa\ufee4\ufea4\ufee3"


def test_clean_removes_control_characters_and_line_breaks() -> None:
    assert typesetting.clean("  Jos\u0065\u0301\nNúñez\x00 ") == "José Núñez"


def test_missing_reports_characters_no_font_has() -> None:
    assert typesetting.missing("Zoë \U0001f600") == ["\U0001f600"]


def test_human_date() -> None:
    assert pdf.human_date("2026-01-07") == "January 7, 2026"
    assert pdf.human_date("not a date") == "not a date"
