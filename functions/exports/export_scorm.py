"""exportScorm: the course as a SCORM 1.2 package (documented function 25).

A ZIP with `imsmanifest.xml` (checked against the SCORM 1.2 schemas on every export),
one SCO per lesson and one scored SCO per module quiz, stored in blob storage;
answers a signed link valid 24 hours and the package's size. Unchanged courses give
byte-identical packages. Role: the course's instructor or an admin. A course with
no lessons is a 400. Rate: 5 exports per hour.
"""

from __future__ import annotations

from typing import Any

from functions.exports import package, scorm
from functions.exports.models import ExportCourseRequest
from functions.exports.responses import ExportScormResponse
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "exportScorm",
    request=ExportCourseRequest,
    response=ExportScormResponse,
    rate=("exports",),
    deploy=package.DEPLOY,
    errors=package.ERRORS,
)
def export_scorm(body: ExportCourseRequest, caller: Caller) -> dict[str, Any]:
    course = package.exportable_course(body.courseId, caller)
    return scorm.export(course)
