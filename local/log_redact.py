"""Keeps QR login tokens out of the local runner's logs.

A flow's token is its only credential until the login finishes (whoever holds it can poll
the login to success or submit the 2FA step), and uvicorn's access log prints every path:
`GET /api/v3/auth/qr/<token> HTTP/1.1`. The filter rewrites the token segment of any
`/qr/<token>` path (poll, cancel, 2fa, qr.svg, the demo's approve) and any `token=`
query value to `<redacted>` in every record, before any handler formats it.

It is installed on the handlers (a logger's own filters do not see records propagated
from child loggers), once uvicorn has configured logging, and on the access logger too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "<redacted>"
_PATTERNS = (
    re.compile(r"(/qr/)[^/?#\s\"']+"),
    re.compile(r"([?&]token=)[^&#\s\"']+"),
)
_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "tgscraper")


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True


_FILTER = RedactTokens()


def install() -> None:
    """Idempotent: add the filter to the known loggers and every handler they have now."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
