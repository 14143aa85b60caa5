"""Program: a training program of one organization, a group of courses whose return
on investment `calculateTrainingROI` estimates. Org admins keep their own
organization's programs; admins any (`entities.tenancy`)."""

from __future__ import annotations

from pydantic import Field

from entities.base import EntityModel, EntityType

MAX_COURSES = 30  # one Firestore `in` query answers for a whole program


class Program(EntityModel):
    organization_id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    course_ids: list[str] = Field(min_length=1, max_length=MAX_COURSES)


ENTITY = EntityType(name="Program", model=Program, id_prefix="prog")
