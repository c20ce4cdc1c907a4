"""The browser login page: plain HTML + JS (login.html beside this file), no build step.

The page's one inline script is allowed by its SHA-256 in the Content-Security-Policy,
so nothing else can run on it, and it talks only to this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from importlib import resources

_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@lru_cache(maxsize=1)
def login_page_html() -> str:
    return resources.files("tgscraper.auth").joinpath("login.html").read_text(encoding="utf-8")


def _script_hash(html: str) -> str:
    match = _SCRIPT_RE.search(html)
    assert match is not None, "login.html has an inline script"
    digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _headers() -> dict[str, str]:
    csp = "; ".join(
        (
            "default-src 'none'",
            f"script-src {_script_hash(login_page_html())}",
            "style-src 'unsafe-inline'",
            "img-src blob:",
            "connect-src 'self'",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


LOGIN_PAGE_HEADERS = _headers()
