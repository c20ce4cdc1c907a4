"""Settings of the files endpoint, read from the environment on each use (cheap).

FILES_INLINE_MAX_BYTES  on Lambda, bodies above this many bytes are handed over as a
                        redirect to a presigned S3 URL (default 4 MiB: base64 turns it into
                        5.3 MiB, inside the 6 MB buffered-response cap with room to spare)
FILES_WAIT_SECONDS      how long a request waits for a download another process started
                        (default 20 on Lambda, whose integration timeout is ~30 s; 300 else)
FILES_LEASE_SECONDS     lifetime of the cross-process download lease, renewed while the
                        download runs (default 60): a crashed downloader blocks others that long
FILES_PRESIGN_SECONDS   lifetime of a presigned URL (default 900)
AWS_LAMBDA_FUNCTION_NAME  set by Lambda itself: turns the redirect behaviour on
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_INLINE_MAX_BYTES = 4 * 1024 * 1024


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class FilesSettings:
    on_lambda: bool = False
    inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES
    wait_seconds: float = 300.0
    lease_seconds: int = 60
    presign_seconds: int = 900

    @classmethod
    def from_env(cls) -> FilesSettings:
        on_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "").strip())
        return cls(
            on_lambda=on_lambda,
            inline_max_bytes=int(_number("FILES_INLINE_MAX_BYTES", DEFAULT_INLINE_MAX_BYTES)),
            wait_seconds=_number("FILES_WAIT_SECONDS", 20.0 if on_lambda else 300.0),
            lease_seconds=max(3, int(_number("FILES_LEASE_SECONDS", 60))),
            presign_seconds=int(_number("FILES_PRESIGN_SECONDS", 900)),
        )
