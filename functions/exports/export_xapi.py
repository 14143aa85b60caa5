"""exportXapi: the course as an xAPI (Tin Can) package (documented function 26).

A ZIP with `tincan.xml` (the course as one launchable activity, its lessons and
quizzes as activities under `XAPI_ACTIVITY_BASE`), pages that send statements to the
LRS given at launch, and `statements.json`: the course's enrollments, lesson
completions and quiz results as xAPI 1.0.3 statements with ids derived from their
content. Answers a signed link valid 24 hours and the number of statements.
Role: the course's instructor or an admin. A course with no lessons is a 400.
Rate: 5 exports per hour.
"""

from __future__ import annotations

from typing import Any

from functions.exports import package, xapi
from functions.exports.models import ExportCourseRequest
from functions.exports.responses import ExportXapiResponse
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "exportXapi",
    request=ExportCourseRequest,
    response=ExportXapiResponse,
    rate=("exports",),
    deploy=package.DEPLOY,
    errors=package.ERRORS,
)
def export_xapi(body: ExportCourseRequest, caller: Caller) -> dict[str, Any]:
    course = package.exportable_course(body.courseId, caller)
    return xapi.export(course)
