"""Skill: the catalogue of skills courses teach, each in a category (frontend, backend,
devops...). Courses name the skills they teach (`Course.skills`); an employee's
proficiency in a skill is derived from the courses they complete and their quiz scores
(`functions.enterprise.skills`). Anyone signed in reads the catalogue; admins write it.
A skill's id derives from its name, so each name is in the catalogue once."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller

OTHER = "other"  # the category of a skill a course names but the catalogue does not hold


class Skill(EntityModel):
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_-]*$")
    description: str | None = Field(default=None, max_length=2000)


def skill_key(name: str) -> str:
    return name.strip().lower()


def skill_id(name: str) -> str:
    return "skl_" + hashlib.sha256(skill_key(name).encode()).hexdigest()[:24]


class SkillPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None


ENTITY = EntityType(name="Skill", model=Skill, id_prefix="skl", natural_id=lambda d: skill_id(str(d["name"])))
