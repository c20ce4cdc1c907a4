"""Media: the per-owner index of media seen in history, and (files) their bytes."""
