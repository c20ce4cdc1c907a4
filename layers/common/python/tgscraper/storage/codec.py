"""JSON encoding of item attributes that keeps bytes (auth keys) intact."""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES_TAG = "$b64"


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {_BYTES_TAG: base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _BYTES_TAG in obj:
        return base64.b64decode(obj[_BYTES_TAG])
    return obj


def encode(attrs: dict[str, Any]) -> str:
    return json.dumps(attrs, default=_default, ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text, object_hook=_hook)
    return result
