"""Parameter types for routes: integers through the one strict parser
(tgscraper.numbers), so `1_000`, `+5`, ` 5`, `٣` and 5,000-digit values are a 400
naming the parameter, like every other invalid value."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from starlette.convertors import Convertor, register_url_convertor

from tgscraper.numbers import strict_int


def _ascii_int(value: Any) -> Any:
    # Only text is checked here (query and path values always are); the int check of
    # pydantic then applies ge/le as declared on the parameter.
    return strict_int(value) if isinstance(value, str) else value


AsciiInt = Annotated[int, BeforeValidator(_ascii_int)]


class _DialogRefConvertor(Convertor[str]):
    """`{dialog_id:dialog_ref}`: one path segment (a marked id, `@name`), or a t.me link
    with its slashes (`t.me/name`, `https://t.me/c/123/45`); tgscraper.telegram.dialog_ref
    parses it. Multi-segment values must start like a t.me link, so
    `/history/{id}/replies/{post}` still reaches its own route."""

    regex = r"(?:(?:[Hh][Tt][Tt][Pp][Ss]?:/+)?(?:[Tt]elegram|[Tt])\.[Mm][Ee]/[^?#]+|[^/]+)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("dialog_ref", _DialogRefConvertor())
