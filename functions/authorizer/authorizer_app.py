"""API Gateway (HTTP API) Lambda REQUEST authorizer: the `X-API-Key` and bearer checks.

Payload format 2.0 with simple responses: the answer is `{"isAuthorized": bool}` (plus
`"context": {"username": ...}` when a bearer token named the account, or
`{"operator": true}` when the operator key did, in token mode). The valid
operator keys live in one SSM SecureString parameter (name in API_KEY_PARAM); several
keys separated by commas or newlines allow rotation without downtime. The parameter is
read lazily and kept for CACHE_SECONDS, so a rotated-out key stops working within minutes.

AUTH_MODE (the template's AuthMode parameter):
- `header` (or unset): today's check, X-API-Key only, on every route the authorizer guards.
- `token`: a request passes with a valid operator key, or with `Authorization: Bearer
  tgs_...` whose lookup item (tgscraper/accounts/store.py: pk `tok#<sha256 hex>`, sk
  `token`) exists in ACCOUNTS_TABLE, or on one of OPEN_ROUTES (the QR login, whose own
  random id is the capability). Positive token answers are kept TOKEN_CACHE_SECONDS in
  memory; the app behind re-checks the token on every request, so a revoked token is
  refused at once even while this cache still holds it. Tokens are never logged: only
  the first characters of their digest.
Any other AUTH_MODE value denies every request (a typo must not open the API).

Fails closed: no parameter, an unreadable one, or only keys shorter than MIN_KEY_LENGTH
(a guessable key is worse than none) deny every request, and the reason goes to the log.
Self-contained on purpose (no layer, boto3 from the runtime, imported on first miss):
the authorizer runs before every request, so its cold start must be tiny.
"""

from __future__ import annotations

import hashlib
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

TOKEN_CACHE_SECONDS = 30.0
TOKEN_CACHE_SIZE = 1024
_TOKEN_SHAPE = re.compile(r"tgs_[A-Za-z0-9_-]{43}")
"""tgscraper.accounts.store: `tgs_` + 32 random bytes, URL-safe base64 without padding."""
OPEN_ROUTES = frozenset(
    {
        "POST /api/v3/auth/qr",
        "GET /api/v3/auth/qr/{token}",
        "DELETE /api/v3/auth/qr/{token}",
        "POST /api/v3/auth/qr/{token}/2fa",
        "GET /api/v3/auth/qr/{token}/qr.svg",
    }
)
"""Route keys (set by API Gateway, not the client) open in token mode: the QR login."""

KeyLoader = Callable[[str], str]
"""Reads the parameter's (decrypted) value by name."""
TokenLookup = Callable[[str, str], "str | None"]
"""(table, token digest) -> the username its lookup item names, None if absent; raises
when the table cannot be read."""


def _ssm_loader(name: str) -> str:
    import boto3  # deferred: only on a cache miss

    resp = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = resp["Parameter"]["Value"]
    return value


class DynamoLookup:
    """The TokenLookup on DynamoDB: one client per warm function (building one loads the
    service model, tens of ms), made on the first miss."""

    def __init__(self) -> None:
        self._client: Any = None

    def __call__(self, table: str, digest: str) -> str | None:
        if self._client is None:
            import boto3  # deferred: only on a cache miss

            self._client = boto3.client("dynamodb")
        resp = self._client.get_item(
            TableName=table,
            Key={"pk": {"S": f"tok#{digest}"}, "sk": {"S": "token"}},
            # A token revoked a moment ago must not be read back from a stale replica.
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if item is None:
            return None
        username: str = item["username"]["S"]
        return username


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


class TokenCache:
    """Bearer token -> username, positive answers kept `ttl` seconds (at most `size` of
    them, oldest dropped first). Unknown tokens are not cached, so a token issued a moment
    ago works at once; a failed lookup denies (fails closed) and is retried next time."""

    def __init__(
        self,
        lookup: TokenLookup | None = None,
        ttl: float = TOKEN_CACHE_SECONDS,
        size: int = TOKEN_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup: TokenLookup = lookup or DynamoLookup()
        self._ttl, self._size, self._clock = ttl, size, clock
        self._hits: dict[str, tuple[str, float]] = {}
        """digest -> (username, expiry): keyed by digest so no token sits in memory."""

    def username(self, token: str) -> str | None:
        if not _TOKEN_SHAPE.fullmatch(token):
            return None  # malformed: no lookup at all
        digest = hashlib.sha256(token.encode()).hexdigest()
        at = self._clock()
        hit = self._hits.pop(digest, None)
        if hit is not None and at < hit[1]:
            self._hits[digest] = hit
            return hit[0]
        table = os.environ.get("ACCOUNTS_TABLE", "").strip()
        if not table:
            log.error("ACCOUNTS_TABLE is not set: denying every bearer token")
            return None
        try:
            username = self._lookup(table, digest)
        except Exception as exc:  # any DynamoDB/network failure: deny, never crash open
            log.error("token lookup failed (digest %s...): %s", digest[:8], type(exc).__name__)
            return None
        if username is None:
            return None
        while len(self._hits) >= self._size:
            self._hits.pop(next(iter(self._hits)))
        self._hits[digest] = (username, at + self._ttl)
        return username


def _header(event: Mapping[str, Any], wanted: str) -> str | None:
    # Payload 2.0 lower-cases header names; be lenient anyway.
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == wanted and isinstance(value, str):
            return value
    return None


def _given_key(event: Mapping[str, Any]) -> bytes:
    return (_header(event, HEADER) or "").strip().encode()


def _bearer(event: Mapping[str, Any]) -> str | None:
    scheme, _, token = (_header(event, "authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _route(event: Mapping[str, Any]) -> str:
    ctx = event.get("requestContext") or {}
    return str(event.get("routeKey") or ctx.get("routeKey") or "")


def is_authorized(given: bytes, keys: tuple[bytes, ...]) -> bool:
    if not given:
        return False
    # Compare against every key (no early exit) so timing says nothing about which matched.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key)
    return matched


_cache = KeyCache()
_tokens = TokenCache()


def _token_mode(event: Mapping[str, Any]) -> dict[str, Any]:
    if _route(event) in OPEN_ROUTES:
        return {"isAuthorized": True}
    bearer = _bearer(event)
    if bearer is not None:
        username = _tokens.username(bearer)
        if username is not None:
            return {"isAuthorized": True, "context": {"username": username}}
    # The operator key is read (SSM) only when one was sent. The function behind learns
    # it was the operator from this context alone (tgscraper.api.callers): a client
    # cannot forge the authorizer's part of the event.
    key = _given_key(event)
    if key and is_authorized(key, _cache.keys()):
        return {"isAuthorized": True, "context": {"operator": True}}
    return {"isAuthorized": False}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    mode = os.environ.get("AUTH_MODE", "").strip().lower() or "header"
    if mode == "header":
        verdict: dict[str, Any] = {"isAuthorized": is_authorized(_given_key(event), _cache.keys())}
    elif mode == "token":
        verdict = _token_mode(event)
    else:
        log.error("AUTH_MODE must be header or token: denying every request")
        verdict = {"isAuthorized": False}
    if not verdict["isAuthorized"]:
        ctx = event.get("requestContext") or {}
        log.info(
            "denied %s from %s",
            ctx.get("routeKey", "?"),
            (ctx.get("http") or {}).get("sourceIp", "?"),
        )
    return verdict
