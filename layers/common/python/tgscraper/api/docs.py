"""`/docs` (Swagger UI) and `/redoc` without a CDN.

FastAPI's own pages load their JavaScript and CSS from a CDN, so they are blank on a
machine without internet. The same two pages are served here with the assets shipped in
the pinned `fastapi-offline` package (layers/common/requirements.txt), under
`/docs/assets/<name>`. The package is located, never imported, so an app start pays
nothing for it; only the four known file names are served (no path from the request
reaches the filesystem).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

ASSETS_PREFIX = "/docs/assets"
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# The file names carry no version, but the package is pinned: a day is safe and spares a
# browser re-reading 2.6 MB on every visit.
_CACHE = "public, max-age=86400"
# The pages may load nothing from elsewhere: ReDoc's side menu always asks a CDN for its
# logo, which this policy blocks in the browser before any request is made. Inline script
# and style: the pages' own start-up code; blob: ReDoc's search worker.
_PAGE_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
    )
)


@cache
def _assets_dir() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed (layers/common/requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _confined(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _PAGE_CSP
    return page


def install_docs(app: FastAPI) -> None:
    """Add /docs, its OAuth2 redirect, /redoc and their assets (the app must be created
    with docs_url=None and redoc_url=None)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _confined(
            get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=f"{root}{redirect_url}",
                swagger_js_url=f"{root}{ASSETS_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PREFIX}/favicon.png",
                swagger_ui_parameters=app.swagger_ui_parameters,
            )
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _confined(
            get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PREFIX}/favicon.png",
                with_google_fonts=False,  # fonts from a CDN too; the system's serve
            )
        )

    @app.get(ASSETS_PREFIX + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        media_type = _ASSETS.get(name)
        if media_type is None:
            return JSONResponse({"detail": f"No docs asset {name!r}"}, status_code=404)
        return FileResponse(
            _assets_dir() / name, media_type=media_type, headers={"Cache-Control": _CACHE}
        )
