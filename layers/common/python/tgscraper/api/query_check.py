"""Unknown query parameters are a 400 naming them, on every API route.

FastAPI ignores a parameter no route declares, so a typo silently changes the answer
(`history/<id>?limit=10` streamed the whole history). `reject_unknown_query` is a
dependency that `create_app` puts on every route: it compares the request's query names
with the ones the route's own dependency tree declares (aliases included), so a route
never has to list them twice. It runs before the route's other dependencies (the
`X-Telegram-Username` check, storage, Telegram): a misspelled request does no work.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tgscraper.errors import BadRequest

_ALLOWED: dict[int, tuple[APIRoute, frozenset[str]]] = {}
"""Accepted names per route, by id (routes are not hashable and live as long as their
app); the route is kept beside them so a reused id can never match another route."""


def _query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A pydantic model of query parameters: its fields are the names.
            names.update(f.alias or n for n, f in annotation.model_fields.items())
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    found = _ALLOWED.get(id(route))
    if found is None or found[0] is not route:
        found = _ALLOWED[id(route)] = (route, frozenset(_query_names(route.dependant)))
    return found[1]


async def reject_unknown_query(request: Request) -> None:
    # async: a sync dependency would cost a thread-pool hop on every request.
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    allowed = _allowed(route)
    unknown = sorted({name for name in request.query_params if name not in allowed})
    if not unknown:
        return
    names = ", ".join(f"'{name}'" for name in unknown)
    accepted = ", ".join(sorted(allowed)) or "none"
    plural = "s" if len(unknown) > 1 else ""
    raise BadRequest(f"Unknown query parameter{plural} {names} (accepted: {accepted})")
