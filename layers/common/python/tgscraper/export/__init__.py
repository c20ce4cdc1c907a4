"""Exports of a dialog's history: NDJSON, CSV, TDesktop's result.json (docs/export.md)."""
