"""The page a person sees on opening a certificate's QR code in a browser.

`GET /api/certificates/verify/{code}` answers JSON to programs and this page to a
browser (a request that prefers `text/html`): valid or revoked, the student's name,
the course and the completion date, every value escaped, under a Content-Security-
Policy that allows no script and only the page's own style.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

from shared.http import Reply

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 640px; padding: 2em 1.5em; color: #1d2330; }
.badge { display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: 600; }
.valid { background: #e6f4ea; color: #137333; } .revoked, .unknown { background: #fde8e8; color: #9b1c1c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; } dt { color: #667; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def wants_page(accept: Any) -> bool:
    """Whether the client (a browser) prefers HTML to JSON; `*/*` alone keeps JSON."""
    return bool(accept["text/html"] > accept["application/json"])


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str, status: int) -> Reply:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
    headers = {
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",  # a revocation shows at once
        "Vary": "Accept",
    }
    return Reply(page, status=status, content_type="text/html; charset=utf-8", headers=headers)


def found(answer: dict[str, Any]) -> Reply:
    """The page of a certificate: the verification answer, as a person reads it."""
    valid = bool(answer["valid"])
    state, label = ("valid", "Valid certificate") if valid else ("revoked", "Revoked certificate")
    note = (
        "<p>SparkAcademy issued this certificate and it is valid.</p>"
        if valid
        else "<p>SparkAcademy issued this certificate and has since revoked it: it no longer attests completion.</p>"
    )
    body = (
        f'<h1>Certificate verification</h1><p><span class="badge {state}" id="status">{label}</span></p>{note}'
        "<dl>"
        f'<dt>Awarded to</dt><dd id="student_name">{_e(answer["student_name"])}</dd>'
        f'<dt>Course</dt><dd id="course_title">{_e(answer["course_title"])}</dd>'
        f'<dt>Completed</dt><dd id="completion_date">{_e(answer["completion_date"])}</dd>'
        f'<dt>Verification code</dt><dd id="verification_code">{_e(answer["verification_code"])}</dd>'
        "</dl>"
    )
    return _page(label, body, 200)


def not_found(code: str, malformed: bool) -> Reply:
    why = "This is not a verification code (they read CERT-YYYY-XXXXXX)." if malformed else "No certificate has it."
    body = (
        '<h1>Certificate verification</h1><p><span class="badge unknown" id="status">Not a valid certificate</span></p>'
        f'<p>The code <code id="verification_code">{_e(code[:64])}</code> was not found. {_e(why)}</p>'
    )
    return _page("Certificate not found", body, 400 if malformed else 404)
