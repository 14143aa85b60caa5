"""The one base of request models, and the types requests share.

Requests are strict: unknown fields are refused and nothing is coerced (`"5"` is
not 5, `"true"` is not true), so a client learns about a wrong type at once
instead of having it guessed.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Record ids: what the store generates (`crs_...`) and what clients may name.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class RequestModel(BaseModel):
    """Base of every request body model."""

    model_config = ConfigDict(extra="forbid", strict=True)
