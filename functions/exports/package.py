"""What both course exports share: who may export, the course's shape, deterministic ZIPs
written to a temporary file and streamed to blob storage, and the answer's link.

A package is built member by member into a spooled file on disk, so neither the ZIP nor
a media file is ever held whole in memory. Every member has the same fixed timestamp and
permissions and the members come in a fixed order, so an unchanged course gives the same
bytes; the blob's name carries their SHA-256, so an export already stored is not uploaded
again.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from entities import store
from entities.course import teaches
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError
from shared.router import RECORD_ERRORS, Deploy
from shared.storage import blob_store

LINK_TTL_SECONDS = 24 * 3600
ERRORS = (*RECORD_ERRORS, InvalidInputError)
# A 500-lesson course with its media: minutes of copying, never the whole package in memory.
DEPLOY = Deploy(memory="512Mi", timeout="540s", max_instances=10)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP can record
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_MEDIA_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")
# What a page may load: only files of its own package. Course text is escaped as well.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class LessonPart:
    module_index: int
    index: int
    lesson: dict[str, Any]

    @property
    def key(self) -> str:
        """Stable, XML-ID-safe name of the lesson within the package."""
        return f"m{self.module_index:03d}_l{self.index:03d}"


@dataclass(frozen=True)
class ModulePart:
    index: int
    module: dict[str, Any]
    lessons: list[LessonPart]

    @property
    def key(self) -> str:
        return f"m{self.index:03d}"

    @property
    def quiz(self) -> dict[str, Any] | None:
        quiz = self.module.get("quiz")
        return quiz if isinstance(quiz, dict) and quiz.get("questions") else None


def exportable_course(course_id: str, caller: Caller) -> dict[str, Any]:
    """The course, if the caller is its instructor or an admin and it has lessons."""
    course = store.get("Course", course_id)
    if not (caller.is_admin or teaches(caller, course)):
        raise ForbiddenError("Only the course's instructor or an admin may export it")
    if not any(module.get("lessons") for module in course.get("modules") or []):
        raise InvalidInputError("This course has no lessons to export", details={"course_id": course["id"]})
    return course


def _ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Stable: items without an order keep their place after the ordered ones.
    return sorted(items, key=lambda item: (item.get("order") is None, item.get("order") or 0))


def modules(course: dict[str, Any]) -> list[ModulePart]:
    out = []
    for m, module in enumerate(_ordered(course.get("modules") or []), start=1):
        lessons = [LessonPart(m, i, lesson) for i, lesson in enumerate(_ordered(module.get("lessons") or []), start=1)]
        out.append(ModulePart(m, module, lessons))
    return out


def paragraphs(text: str | None) -> str:
    """Lesson text as escaped HTML paragraphs: course text never becomes markup or script."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
    return "\n".join(
        f'<p id="s{n}">' + "<br>\n".join(html.escape(line) for line in block.splitlines()) + "</p>"
        for n, block in enumerate(blocks)
    )


def media_member(url: str) -> tuple[str, str] | None:
    """(member name, object path) of a lesson's media kept in our blob storage; None for outside links."""
    path = blob_store().path_of(url)
    if path is None:
        return None
    suffix = _MEDIA_SUFFIX.search(PurePosixPath(path).name)
    digest = hashlib.sha256(path.encode()).hexdigest()[:20]
    return f"media/{digest}{suffix.group(0).lower() if suffix else ''}", path


def media_html(url: str | None, prefix: str) -> str:
    """The lesson's video: a packaged file played in place, or a link to an outside http(s) URL."""
    if not url:
        return ""
    packaged = media_member(url)
    if packaged is not None:
        return f'<video controls preload="metadata" src="{html.escape(prefix + packaged[0])}"></video>'
    if re.match(r"https?://", url, re.IGNORECASE):
        return f'<p><a href="{html.escape(url)}" rel="noopener noreferrer" target="_blank">Watch the video</a></p>'
    return ""


def page(title: str, body: str, *, prefix: str, scripts: list[str], csp: str = PAGE_CSP) -> str:
    """One HTML page of a package; `prefix` leads back to the package root."""
    tags = "\n".join(f'<script defer src="{html.escape(prefix + s)}"></script>' for s in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{html.escape(prefix)}shared/course.css">\n'
        f"{tags}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


class PackageWriter:
    """A deterministic ZIP in a temporary file: fixed times, permissions and order."""

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        self._zip = zipfile.ZipFile(self.file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._names: set[str] = set()

    def _info(self, name: str, compress: int) -> zipfile.ZipInfo:
        if name in self._names:
            raise RuntimeError(f"duplicate package member {name}")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
        info.compress_type = compress
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def text(self, name: str, content: str) -> None:
        self.data(name, content.encode("utf-8"))

    def data(self, name: str, content: bytes) -> None:
        self._zip.writestr(self._info(name, zipfile.ZIP_DEFLATED), content)

    def stream(self, name: str, source: BinaryIO, *, compress: bool = False) -> None:
        info = self._info(name, zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        with self._zip.open(info, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target, 1 << 20)

    def chunks(self, name: str, parts: Iterator[str]) -> None:
        """A text member written piece by piece (a large statements file)."""
        with self._zip.open(self._info(name, zipfile.ZIP_DEFLATED), "w", force_zip64=True) as target:
            for part in parts:
                target.write(part.encode("utf-8"))

    def has(self, name: str) -> bool:
        return name in self._names

    def finish(self) -> tuple[str, int]:
        """Close the archive; answer its SHA-256 and size, with the file rewound."""
        self._zip.close()
        digest = hashlib.sha256()
        self.file.seek(0)
        for block in iter(lambda: self.file.read(1 << 20), b""):
            digest.update(block)
        size = self.file.tell()
        self.file.seek(0)
        return digest.hexdigest(), size

    def close(self) -> None:
        self._zip.close()  # a no-op once finished; otherwise ends the archive before the file goes
        self.file.close()


def add_media(writer: PackageWriter, parts: list[ModulePart]) -> None:
    """Copy every lesson video kept in our blob storage into `media/`, one chunk at a time."""
    for module in parts:
        for part in module.lessons:
            url = part.lesson.get("video_url")
            found = media_member(url) if isinstance(url, str) and url else None
            if found is None or writer.has(found[0]):
                continue
            with blob_store().open_read(found[1]) as source:
                writer.stream(found[0], source)


def publish(writer: PackageWriter, kind: str, course: dict[str, Any]) -> dict[str, Any]:
    """Store the finished package under its content hash; answer the signed link and its expiry."""
    digest, size = writer.finish()
    course_key = _SAFE.sub("_", str(course["id"]))[:100] or "course"
    path = f"exports/{course_key}/{kind}_{digest[:32]}.zip"
    store_ = blob_store()
    if not store_.exists(path):
        store_.put_stream(path, writer.file, "application/zip")
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LINK_TTL_SECONDS)
    url = store_.signed_url(path, LINK_TTL_SECONDS, download_name=f"{kind}_{course_key}.zip")
    return {
        "success": True,
        "download_url": url,
        "expires_at": expires.isoformat().replace("+00:00", "Z"),
        "size_bytes": size,
    }
