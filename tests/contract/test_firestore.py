"""shared.firestore against the real Firestore emulator."""

from __future__ import annotations

from typing import Any

import pytest

from shared.firestore import existing_data


def test_existing_data_is_the_documents_fields(db: Any) -> None:
    ref = db.collection("_probe").document("present")
    ref.set({"count": 2, "name": "present"})
    assert existing_data(ref.get()) == {"count": 2, "name": "present"}


def test_existing_data_of_a_missing_document_names_it(db: Any) -> None:
    snapshot = db.collection("_probe").document("absent").get()
    with pytest.raises(LookupError, match="_probe/absent was expected to exist"):
        existing_data(snapshot)
