"""The export CLI's HTTP client (the standard library's: the CLI adds no dependency)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_TIMEOUT = 120
"""Seconds without a byte before giving up (a Telegram walk may pause between pages)."""
_BLOCK = 256 * 1024


class ApiError(Exception):
    def __init__(self, status: int | None, detail: str) -> None:
        super().__init__(f"{status}: {detail}" if status else detail)
        self.status = status


class Api:
    def __init__(
        self,
        server: str,
        username: str | None,
        api_key: str | None = None,
        *,
        token: str | None = None,
    ) -> None:
        self._base = server.rstrip("/")
        # A token names the account by itself; a username, when given too, must match.
        self._headers = {"X-Telegram-Username": username} if username else {}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        if api_key:
            self._headers["X-API-Key"] = api_key

    def _url(self, path: str, params: dict[str, Any] | None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self._base}{path}{query}"

    @contextmanager
    def open(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        request = urllib.request.Request(self._url(path, params), headers=self._headers)
        try:
            response = urllib.request.urlopen(request, timeout=_TIMEOUT)
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, _detail(exc.read())) from None
        except urllib.error.URLError as exc:
            raise ApiError(None, f"cannot reach {self._base}: {exc.reason}") from None
        with response:
            yield response

    def stream(self, path: str, params: dict[str, Any]) -> Any:
        """The response: `.headers`, and iterating it gives its lines."""
        return self.open(path, params)

    def get_json(self, path: str, params: dict[str, Any], start_date: str) -> Any:
        with self.open(path, {**params, "start_date": start_date}) as response:
            return json.loads(response.read())


def _detail(body: bytes) -> str:
    try:
        return str(json.loads(body)["detail"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace")[:200]


def download(api: Api, path: str, target: Path) -> int:
    """Download into target (through a .part file: a cut download is never taken for a
    whole one); the bytes written."""
    partial = target.with_name(target.name + ".part")
    size = 0
    with api.open(path) as response, partial.open("wb") as out:
        while block := response.read(_BLOCK):
            out.write(block)
            size += len(block)
    partial.replace(target)
    return size
