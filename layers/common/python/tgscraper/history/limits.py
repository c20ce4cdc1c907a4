"""Response budget of the history stream.

Behind API Gateway + Lambda the response is buffered (Mangum) and capped at 6 MB and
~30 s; the Lambda runtime also JSON-escapes the body inside its own response payload
(quotes and non-ASCII text grow), so the budget counts that escaped size. The local runner
streams without limits.

Environment: running under Lambda is detected by AWS_LAMBDA_FUNCTION_NAME;
HISTORY_MAX_RESPONSE_BYTES (default 4 500 000 escaped bytes) and HISTORY_MAX_SECONDS
(default 20) tune the budget there, and HISTORY_BUDGET=on|off forces it on or off.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

DEFAULT_MAX_BYTES = 4_500_000
DEFAULT_MAX_SECONDS = 20.0
_FRAME_OVERHEAD = 32  # 'data: {"messages": [' + separators, escaped, per message at worst


@dataclass
class Budget:
    max_bytes: int | None = None
    max_seconds: float | None = None
    used_bytes: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def limited(self) -> bool:
        return self.max_bytes is not None or self.max_seconds is not None

    def admit(self, message_json: str) -> bool:
        """Count one more message into the response, or False when it would not fit
        (checked per message: one frame of big non-ASCII messages can be megabytes)."""
        if self.max_seconds is not None and time.monotonic() - self.started >= self.max_seconds:
            return False
        if self.max_bytes is None:
            return True
        # Size as it will appear inside the Lambda response JSON, plus framing.
        cost = len(json.dumps(message_json)) + _FRAME_OVERHEAD
        if self.used_bytes + cost > self.max_bytes:
            return False
        self.used_bytes += cost
        return True

    @classmethod
    def from_env(cls) -> Budget:
        forced = os.environ.get("HISTORY_BUDGET", "").strip().lower()
        on_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
        if forced == "off" or (forced != "on" and not on_lambda):
            return cls()
        return cls(
            max_bytes=int(os.environ.get("HISTORY_MAX_RESPONSE_BYTES", DEFAULT_MAX_BYTES)),
            max_seconds=float(os.environ.get("HISTORY_MAX_SECONDS", DEFAULT_MAX_SECONDS)),
        )
