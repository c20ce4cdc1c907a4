"""Message search (GET /api/v3/search/messages) and forum topics (GET /api/v3/topics)."""
