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


# One decoder for every call: json.loads(..., object_hook=...) builds a new JSONDecoder
# per call, which costs more than decoding a small item (hot on history cache scans).
_DECODER = json.JSONDecoder(object_hook=_hook)


def decode(text: str | bytes) -> dict[str, Any]:
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8")
    result: dict[str, Any] = _DECODER.decode(text)
    return result
