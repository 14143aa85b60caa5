"""Local development: the Base44 HTTP contract over the same handlers, and the Firestore emulator."""
