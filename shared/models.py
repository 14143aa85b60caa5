"""The one base of request models, and the types requests share.

Requests are strict: unknown fields are refused and nothing is coerced (`"5"` is
not 5, `"true"` is not true), so a client learns about a wrong type at once
instead of having it guessed.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

# Record ids: what the store generates (`crs_...`) and what clients may name.
# Firestore reserves ids that start and end with __ (and `.`/`..`, which the alphabet excludes).
ID_PATTERN = re.compile(r"^(?!__.*__\Z)[A-Za-z0-9_-]{1,128}\Z")


def _not_reserved(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError("ids starting and ending with __ are reserved")
    return value


# The pattern (for the schema) plus the reserved-name rule pydantic's regex engine cannot express.
EntityId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$"), AfterValidator(_not_reserved)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class ResponseModel(BaseModel):
    """An answer whose keys are fixed: anything else in it is a mistake."""

    model_config = ConfigDict(extra="forbid")


class RequestModel(BaseModel):
    """Base of every request body model."""

    model_config = ConfigDict(extra="forbid", strict=True)
