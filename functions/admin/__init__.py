"""Administrative reports."""
