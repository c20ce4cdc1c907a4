"""Runtime configuration read from the environment, once per process (lazily).

Every setting is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

StorageBackend = Literal["embedded", "aws"]
AuthMode = Literal["header", "token"]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _seconds(value: str, default: float) -> float:
    """A non-negative number of seconds, or the default when unset."""
    if not value:
        return default
    seconds = float(value)
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"expected a non-negative number of seconds, not {value!r}")
    return seconds


def _count(name: str, default: int) -> int:
    """A non-negative whole number, or the default when unset."""
    value = _env(name)
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
    return int(value)


def _auth_mode(value: str) -> AuthMode:
    mode = value.lower() or "header"
    if mode not in ("header", "token"):
        raise ValueError(f"AUTH_MODE must be 'header' or 'token', not {value!r}")
    return mode  # type: ignore[return-value]


@dataclass(frozen=True)
class Settings:
    storage_backend: StorageBackend = "embedded"
    data_dir: Path = Path("data")
    sessions_table: str = "tgscraper-sessions"
    leases_table: str = "tgscraper-leases"
    qr_table: str = "tgscraper-qr"
    messages_table: str = "tgscraper-messages"
    media_table: str = "tgscraper-media"
    media_bucket: str = "tgscraper-media"
    accounts_table: str = "tgscraper-accounts"
    aws_endpoint_url: str | None = None
    telegram_api_id: int | None = None
    telegram_api_hash: str | None = None
    telegram_api_id_param: str | None = None
    telegram_api_hash_param: str | None = None
    api_key: str | None = None
    auth_mode: AuthMode = "header"
    """"header": X-Telegram-Username names the account (trusted; a laptop). "token": data
    routes need `Authorization: Bearer <token>` from a login (docs/accounts.md)."""
    auth_mode_explicit: bool = False
    """AUTH_MODE was set: the local runner keeps it whatever address it binds."""
    # -- data on disk (embedded store sweep) --
    sweep_interval: float = 60.0
    """Seconds between sweeps of the embedded store (0: only at start)."""
    # -- Telegram network: server, RSA key, test DCs, proxy (docs/telegram-network.md) --
    telegram_server: str | None = None  # "DC@host:port", e.g. "2@127.0.0.1:4430"
    telegram_rsa_key: str | None = None  # path to the server's PKCS#1 public key PEM
    telegram_test_servers: bool = False
    telegram_proxy: str | None = None  # socks5:// / http:// URL or MTProxy host:port:secret
    # Deadlines and retries of every Telegram call (tgscraper.telegram.policy)
    telegram_timeout: float = 10.0
    telegram_connect_retries: int = 2
    telegram_retry_delay: float = 0.5
    demo_transport: str = "inprocess"  # demo mode: "inprocess" or "tcp" (real MTProto)
    # HTTP hardening (docs/http-hardening.md): request body cap (every app), the SSE
    # stall bound, and the local runner's connection limits and timeouts (seconds).
    max_body_bytes: int = 65536
    sse_stall_seconds: int = 15
    http_header_timeout: int = 10
    http_keep_alive_timeout: int = 5
    http_max_connections: int = 256
    shutdown_grace_seconds: int = 5
    # Abuse limits on QR login starts (docs/http-hardening.md#qr-login-start-limits):
    # accepted starts per client address (IPv6: per /64) and per username within a
    # sliding window of seconds; 0 turns a limit off.
    qr_start_limit_per_address: int = 10
    qr_start_limit_per_username: int = 5
    qr_start_limit_window: int = 600
    trusted_proxies: str | None = None
    """Local runner: comma-separated proxy addresses whose X-Forwarded-For names the
    client (uvicorn's forwarded_allow_ips); unset: the header is ignored (spoofable)."""

    @property
    def demo_mode(self) -> bool:
        """No Telegram credentials at all: the local runner serves the simulated Telegram."""
        has_values = bool(self.telegram_api_id and self.telegram_api_hash)
        has_params = bool(self.telegram_api_id_param and self.telegram_api_hash_param)
        return not (has_values or has_params)

    @classmethod
    def from_env(cls) -> Settings:
        backend = _env("STORAGE_BACKEND", "embedded").lower()
        if backend not in ("embedded", "aws"):
            raise ValueError(f"STORAGE_BACKEND must be 'embedded' or 'aws', not {backend!r}")
        api_id = _env("TELEGRAM_API_ID")
        return cls(
            storage_backend=backend,  # type: ignore[arg-type]
            data_dir=Path(_env("DATA_DIR", "data")),
            sessions_table=_env("SESSIONS_TABLE", cls.sessions_table),
            leases_table=_env("LEASES_TABLE", cls.leases_table),
            qr_table=_env("QR_TABLE", cls.qr_table),
            messages_table=_env("MESSAGES_TABLE", cls.messages_table),
            media_table=_env("MEDIA_TABLE", cls.media_table),
            media_bucket=_env("MEDIA_BUCKET", cls.media_bucket),
            accounts_table=_env("ACCOUNTS_TABLE", cls.accounts_table),
            aws_endpoint_url=_env("AWS_ENDPOINT_URL") or None,
            telegram_api_id=int(api_id) if api_id.isdigit() else None,
            telegram_api_hash=_env("TELEGRAM_API_HASH") or None,
            telegram_api_id_param=_env("TELEGRAM_API_ID_PARAM") or None,
            telegram_api_hash_param=_env("TELEGRAM_API_HASH_PARAM") or None,
            api_key=_env("API_KEY") or None,
            auth_mode=_auth_mode(_env("AUTH_MODE")),
            auth_mode_explicit=bool(_env("AUTH_MODE")),
            # -- data on disk (embedded store sweep) --
            sweep_interval=_seconds(_env("SWEEP_INTERVAL"), cls.sweep_interval),
            # -- Telegram network (docs/telegram-network.md) --
            telegram_server=_env("TELEGRAM_SERVER") or None,
            telegram_rsa_key=_env("TELEGRAM_RSA_KEY") or None,
            telegram_test_servers=_env("TELEGRAM_TEST_SERVERS").lower() in ("1", "true", "yes"),
            telegram_proxy=_env("TELEGRAM_PROXY") or None,
            telegram_timeout=_seconds(_env("TELEGRAM_TIMEOUT"), cls.telegram_timeout),
            telegram_connect_retries=int(
                _env("TELEGRAM_CONNECT_RETRIES") or cls.telegram_connect_retries
            ),
            telegram_retry_delay=_seconds(_env("TELEGRAM_RETRY_DELAY"), cls.telegram_retry_delay),
            demo_transport=_env("DEMO_TRANSPORT", "inprocess").lower(),
            max_body_bytes=int(_env("MAX_BODY_BYTES") or cls.max_body_bytes),
            sse_stall_seconds=int(_env("SSE_STALL_SECONDS") or cls.sse_stall_seconds),
            http_header_timeout=int(_env("HTTP_HEADER_TIMEOUT") or cls.http_header_timeout),
            http_keep_alive_timeout=int(
                _env("HTTP_KEEP_ALIVE_TIMEOUT") or cls.http_keep_alive_timeout
            ),
            http_max_connections=int(_env("HTTP_MAX_CONNECTIONS") or cls.http_max_connections),
            shutdown_grace_seconds=int(
                _env("SHUTDOWN_GRACE_SECONDS") or cls.shutdown_grace_seconds
            ),
            qr_start_limit_per_address=_count(
                "QR_START_LIMIT_PER_ADDRESS", cls.qr_start_limit_per_address
            ),
            qr_start_limit_per_username=_count(
                "QR_START_LIMIT_PER_USERNAME", cls.qr_start_limit_per_username
            ),
            qr_start_limit_window=_count("QR_START_LIMIT_WINDOW", cls.qr_start_limit_window),
            trusted_proxies=_env("TRUSTED_PROXIES") or None,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
