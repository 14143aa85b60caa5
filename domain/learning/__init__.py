"""Learning: lesson progress and course ratings."""
