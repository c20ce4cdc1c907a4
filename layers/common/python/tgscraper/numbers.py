"""The one strict parser for integers read from input (query, path, Range, dates).

Python's `int()` accepts far more than a client should send: Unicode digits (`"٣"`),
`"1_000"`, `"+5"`, surrounding whitespace; `str.isdigit()` is true for `"²"` and `"①"`,
which `int()` then rejects; and a string longer than 4,300 digits raises ValueError (a
500 where it was not caught). Here a number is ASCII digits only, with an optional
leading `-` where negatives are allowed, and at most `MAX_DIGITS` digits (every value
the API takes fits in 64 bits), checked before any conversion.
"""

from __future__ import annotations

import re

from tgscraper.errors import BadRequest

MAX_DIGITS = 19
"""Enough for any signed 64-bit value; anything longer is refused unparsed."""

_INT_RE = re.compile(r"-?[0-9]+", re.ASCII)
_NUMERIC_CHARS = frozenset("+-")


class InvalidNumber(ValueError):
    """Not an ASCII integer of at most MAX_DIGITS digits; the message says why."""


def strict_int(text: str, *, signed: bool = True, max_digits: int = MAX_DIGITS) -> int:
    """The integer `text` spells in ASCII digits; InvalidNumber otherwise (never a 500)."""
    if not _INT_RE.fullmatch(text) or (not signed and text.startswith("-")):
        sign = "an optional '-' and " if signed else ""
        raise InvalidNumber(f"must be an integer written with {sign}ASCII digits 0-9")
    if len(text.lstrip("-")) > max_digits:
        raise InvalidNumber(f"must have at most {max_digits} digits")
    return int(text)


def looks_numeric(text: str) -> bool:
    """True when `text` is made of digits of any script (and signs) only: meant as a
    number, so it must then pass `strict_int` rather than be taken as a name."""
    return any(c.isdigit() or c.isnumeric() for c in text) and all(
        c.isdigit() or c.isnumeric() or c in _NUMERIC_CHARS for c in text
    )


def parse_int(text: str, name: str, *, where: str = "query parameter", signed: bool = True) -> int:
    """`strict_int` for a named input: BadRequest (400) naming it."""
    try:
        return strict_int(text, signed=signed)
    except InvalidNumber as exc:
        raise BadRequest(f"Invalid {where} '{name}': {exc}") from None


def clamped_uint(digits: str, ceiling: int) -> int:
    """ASCII `digits` (already matched as [0-9]+) as an int, at most `ceiling`: a
    5,000-digit Range bound means "beyond the end", not a ValueError."""
    stripped = digits.lstrip("0")
    if len(stripped) > len(str(ceiling)):
        return ceiling
    return min(int(stripped or "0"), ceiling)
