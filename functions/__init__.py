"""The documented functions, one Cloud Functions HTTP target each (see registry.py)."""
