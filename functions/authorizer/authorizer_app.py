"""API Gateway (HTTP API) Lambda REQUEST authorizer: the `X-API-Key` check.

Payload format 2.0 with simple responses: the answer is `{"isAuthorized": bool}`. The
valid keys live in one SSM SecureString parameter (name in API_KEY_PARAM); several keys
separated by commas or newlines allow rotation without downtime. The parameter is read
lazily and kept for CACHE_SECONDS, and API Gateway caches each key's verdict too
(ReauthorizeEvery in template.yaml), so a rotated-out key stops working within minutes.

Fails closed: no parameter, an unreadable one, or only keys shorter than MIN_KEY_LENGTH
(a guessable key is worse than none) deny every request, and the reason goes to the log.
Self-contained on purpose (no layer, boto3 from the runtime, imported on first miss):
the authorizer runs before every request, so its cold start must be tiny.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("tgscraper.authorizer")


def _level(name: str) -> str:
    """LOG_LEVEL as the layer's functions read it: any case, WARN accepted, unknown = INFO
    (a typo in a parameter must not fail every import, i.e. every request)."""
    value = name.strip().upper()
    value = {"WARN": "WARNING"}.get(value, value)
    return value if value in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "INFO"


log.setLevel(_level(os.environ.get("LOG_LEVEL", "INFO")))

HEADER = "x-api-key"
CACHE_SECONDS = 300.0
MIN_KEY_LENGTH = 20
_SEPARATORS = re.compile(r"[,\s]+")

KeyLoader = Callable[[str], str]
"""Reads the parameter's (decrypted) value by name."""


def _ssm_loader(name: str) -> str:
    import boto3  # deferred: only on a cache miss

    resp = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = resp["Parameter"]["Value"]
    return value


def parse_keys(value: str) -> tuple[bytes, ...]:
    """The usable keys of a parameter value; too-short entries are dropped (and logged)."""
    keys = [k for k in _SEPARATORS.split(value) if k]
    weak = [k for k in keys if len(k) < MIN_KEY_LENGTH]
    if weak:
        log.error("ignoring %d API key(s) shorter than %d characters", len(weak), MIN_KEY_LENGTH)
    return tuple(k.encode() for k in keys if len(k) >= MIN_KEY_LENGTH)


class KeyCache:
    """The valid keys, reloaded at most every `ttl` seconds (and retried after a failure)."""

    def __init__(
        self,
        loader: KeyLoader = _ssm_loader,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader, self._ttl, self._clock = loader, ttl, clock
        self._keys: tuple[bytes, ...] = ()
        self._loaded_at: float | None = None

    def keys(self) -> tuple[bytes, ...]:
        at = self._clock()
        if self._loaded_at is None or at - self._loaded_at >= self._ttl:
            self._keys = self._load()
            # A failed load is not cached: the next request tries again.
            self._loaded_at = at if self._keys else None
        return self._keys

    def _load(self) -> tuple[bytes, ...]:
        name = os.environ.get("API_KEY_PARAM", "").strip()
        if not name:
            log.error("API_KEY_PARAM is not set: denying every request")
            return ()
        try:
            value = self._loader(name)
        except Exception as exc:  # any SSM/network failure: deny, never crash open
            log.error("could not read the API key parameter %s: %s", name, type(exc).__name__)
            return ()
        keys = parse_keys(value)
        if not keys:
            log.error("the API key parameter %s holds no usable key", name)
        return keys


def _given_key(event: Mapping[str, Any]) -> bytes:
    # Payload 2.0 lower-cases header names; be lenient anyway.
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == HEADER and isinstance(value, str):
            return value.strip().encode()
    return b""


def is_authorized(given: bytes, keys: tuple[bytes, ...]) -> bool:
    if not given:
        return False
    # Compare against every key (no early exit) so timing says nothing about which matched.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key)
    return matched


_cache = KeyCache()


def handler(event: Mapping[str, Any], context: Any) -> dict[str, bool]:
    allowed = is_authorized(_given_key(event), _cache.keys())
    if not allowed:
        ctx = event.get("requestContext") or {}
        log.info(
            "denied %s from %s",
            ctx.get("routeKey", "?"),
            (ctx.get("http") or {}).get("sourceIp", "?"),
        )
    return {"isAuthorized": allowed}
