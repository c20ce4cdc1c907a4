"""Files endpoint: `GET /api/v3/files/{uuid}`, an owner's media file by uuid.

Transport only: the FileService finds the file (downloading it from Telegram on first
use); this module turns it into a 200/206/304/416 response streamed from the BlobStore
in constant memory, or, on Lambda, a 307 redirect to a presigned S3 URL when the body
would not fit a buffered Lambda response.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from mangum import Mangum

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import UsernameDep
from tgscraper.api.errors import error_response
from tgscraper.files.deps import FileServiceDep, FilesSettingsDep
from tgscraper.files.headers import (
    content_disposition,
    content_type,
    etag_matches,
    if_range_allows,
    make_etag,
    safe_filename,
)
from tgscraper.files.ranges import RangeNotSatisfiable, parse_range
from tgscraper.observability import lambda_handler

router = APIRouter(tags=["files"])

_FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The whole file, typed by its MIME type",
        "content": {"application/octet-stream": {}, "*/*": {}},
    },
    206: {"description": "The single byte range asked for with `Range`", "content": {"*/*": {}}},
    304: {"description": "`If-None-Match` matches the ETag"},
    307: {"description": "On Lambda, above the inline limit: follow to a presigned S3 URL"},
    404: {"description": "Unknown uuid, another user's uuid, or gone from Telegram"},
    409: {"description": "The account is busy in another process; retry in a few seconds"},
    416: {"description": "The range lies outside the file (`Content-Range: bytes */size`)"},
    429: {"description": "Telegram flood wait (see `Retry-After`)"},
    502: {"description": "Telegram unreachable"},
    503: {"description": "Another request is still downloading the file (see `Retry-After`)"},
}


@router.get(
    f"{API_PREFIX}/files/{{uuid}}",
    summary="Download a media file by uuid (Range supported)",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
async def get_file(
    uuid: str,
    username: UsernameDep,
    service: FileServiceDep,
    settings: FilesSettingsDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    stored = await service.open(username, uuid)
    entry, size = stored.entry, stored.size
    etag = make_etag(entry.uuid, size)
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=86400",
        "Content-Disposition": content_disposition(entry.filename, default=entry.uuid),
    }
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    try:
        byte_range = parse_range(range_header, size) if if_range_allows(if_range, etag) else None
    except RangeNotSatisfiable as exc:
        return error_response(
            416, exc.detail, {"Content-Range": exc.content_range, "Accept-Ranges": "bytes"}
        )
    start, end = (byte_range.start, byte_range.end) if byte_range else (0, size)

    if settings.on_lambda and end - start > settings.inline_max_bytes:
        url = service.presigned_url(stored, safe_filename(entry.filename, entry.uuid))
        if url is not None:
            return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})

    headers["Content-Type"] = content_type(entry.mime)
    headers["Content-Length"] = str(end - start)
    if byte_range is not None:
        headers["Content-Range"] = byte_range.content_range
    return StreamingResponse(
        service.read(stored, start, end),
        status_code=206 if byte_range else 200,
        headers=headers,
    )


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
