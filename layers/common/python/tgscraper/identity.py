"""The X-Telegram-Username identity: one safe pattern for every store key and file path.

A username is only ever used as an opaque key. The pattern excludes '/', '#', '\\' and
anything else that could turn it into a path or a key prefix of someone else's data,
and the leading character may not be '.' so '.' and '..' are impossible.
"""

from __future__ import annotations

import re

from tgscraper.errors import BadRequest

USERNAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"
_USERNAME_RE = re.compile(USERNAME_PATTERN)


def is_valid_username(value: str) -> bool:
    return bool(_USERNAME_RE.fullmatch(value))


def validate_username(value: str, *, field: str = "username") -> str:
    """Return the username unchanged, or raise BadRequest naming the field."""
    if not is_valid_username(value):
        raise BadRequest(
            f"Invalid {field}: use 1-64 characters from A-Z, a-z, 0-9, '_', '.', '-' "
            "and do not start with '.' or '-'"
        )
    return value
