"""Demo data so the first `make run` shows a living app."""
