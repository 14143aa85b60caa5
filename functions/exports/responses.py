"""Response models of the course exports."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models import ResponseModel

Link = Field(description="Signed download link of the ZIP, valid 24 hours")
Expiry = Field(description="When the link stops working, UTC, ISO 8601")


class ExportScormResponse(ResponseModel):
    success: Literal[True]
    download_url: str = Link
    expires_at: str = Expiry
    size_bytes: int = Field(ge=0, description="Size of the ZIP")


class ExportXapiResponse(ResponseModel):
    success: Literal[True]
    download_url: str = Link
    expires_at: str = Expiry
    statements: int = Field(ge=0, description="xAPI statements in the package's statements.json")
