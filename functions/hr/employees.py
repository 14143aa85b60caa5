"""One person as an HR system describes them, in the shape the syncs compare and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Employee:
    hr_id: str  # the HR system's own key for the person (BambooHR id, Workday WID or Employee_ID)
    email: str | None
    full_name: str | None
    employee_id: str | None
    department: str | None
    manager_hr_id: str | None = None  # resolved to an email among the same employees
    manager_email: str | None = None
    active: bool = True
    left_on: date | None = None  # the effective date of a termination

    def leaves_by(self, today: date) -> bool:
        """Gone on `today`: inactive, with no termination date or one that has come."""
        if self.active and self.left_on is None:
            return False
        return self.left_on is None or self.left_on <= today


def clean(value: object, limit: int = 200) -> str | None:
    """A text field as we store it: stripped, bounded, None when empty."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text[:limit] or None


def parse_date(value: object) -> date | None:
    """YYYY-MM-DD (also the date part of a timestamp); BambooHR's 0000-00-00 and blanks are None."""
    text = clean(value, 40)
    if not text or text.startswith("0000"):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
