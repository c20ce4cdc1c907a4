"""Message history: date ranges, the exact coverage cache and the SSE stream service."""
