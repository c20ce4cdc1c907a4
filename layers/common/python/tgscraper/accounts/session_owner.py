"""The Telegram account a stored session belongs to, as the session itself records it."""

from __future__ import annotations

from tgscraper.storage.sessions import SessionStore, SessionUnreadable


def session_account_id(sessions: SessionStore, username: str) -> int | None:
    """The Telegram user id of the username's stored session (its "self" entity row,
    written at login), or None when there is none or it cannot be read."""
    try:
        rows = sessions.entities(username)
    except SessionUnreadable:
        return None
    return next((row.hash for row in rows if row.id == 0), None)
