"""Deploy and teardown helpers for `make deploy` / `make destroy` (docs/deploy.md)."""
