"""Response headers of a media file: Content-Disposition (RFC 6266 + RFC 5987) and ETag."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Characters that may stay unquoted in a quoted-string filename: printable ASCII without
# '"' and '\\' (which would need escaping that many clients get wrong) and without
# path separators (a client must never write outside the folder it chose).
_UNSAFE_ASCII_RE = re.compile(r'[^\x20-\x7e]|["\\/;%]')
_SEPARATORS_RE = re.compile(r"[/\\\x00-\x1f\x7f]")
_MIME_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _clean(filename: str) -> str:
    """The name without path separators or control characters, never empty or a dot name."""
    name = _SEPARATORS_RE.sub("_", filename).strip()
    return "" if name in ("", ".", "..") else name


def safe_filename(filename: str, default: str) -> str:
    """The original name, minus anything that could steer where a client writes it."""
    return _clean(filename) or default


def ascii_fallback(filename: str, default: str) -> str:
    """An ASCII-only approximation for clients that ignore filename* (accents dropped)."""
    name = _clean(filename)
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE_ASCII_RE.sub("_", ascii_only).strip()
    if not name.isascii():
        # A name whose letters all vanished (e.g. all CJK): the default plus its extension.
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        if not any(ch.isalnum() for ch in stem):
            return f"{default}.{ext}" if ext.isalnum() else default
    return safe or default


def content_disposition(filename: str, default: str) -> str:
    """`attachment` with an ASCII filename and, when that lost anything, filename*."""
    name = safe_filename(filename, default)
    fallback = ascii_fallback(name, default)
    value = f'attachment; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def content_type(mime: str) -> str:
    """The stored MIME type as sent by Telegram, if it is a plain type/subtype.

    Sent as-is: no charset is added to text/* types, whose encoding is unknown.
    """
    mime = mime.strip().lower()
    return mime if _MIME_RE.fullmatch(mime) else DEFAULT_CONTENT_TYPE


def make_etag(media_id: str, size: int) -> str:
    """Strong validator: a uuid's bytes never change once stored, so uuid+size suffices."""
    return f'"{media_id}-{size}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match / If-Range comparison (weak comparison, '*' matches anything)."""
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    bare = etag.removeprefix("W/")
    return any(c == "*" or c.removeprefix("W/") == bare for c in candidates)


def if_range_allows(header: str | None, etag: str) -> bool:
    """Whether a Range may be honoured given If-Range (RFC 9110 13.1.5).

    If-Range needs a strong match; a date never matches since no Last-Modified is sent.
    """
    return header is None or header.strip() == etag
