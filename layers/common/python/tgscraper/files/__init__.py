"""Media files by uuid: owner-scoped lookup, on-demand download from Telegram into the
BlobStore, and the HTTP helpers (Range, Content-Disposition, ETag) the handler uses."""
