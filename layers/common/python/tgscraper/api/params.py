"""Parameter types for routes: integers through the one strict parser
(tgscraper.numbers), so `1_000`, `+5`, ` 5`, `٣` and 5,000-digit values are a 400
naming the parameter, like every other invalid value."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from tgscraper.numbers import strict_int


def _ascii_int(value: Any) -> Any:
    # Only text is checked here (query and path values always are); the int check of
    # pydantic then applies ge/le as declared on the parameter.
    return strict_int(value) if isinstance(value, str) else value


AsciiInt = Annotated[int, BeforeValidator(_ascii_int)]
