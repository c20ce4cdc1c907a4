"""upload.getFile: slices of generated media, with DC and file-reference checks."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..errors import RpcFault, channel_private
from .base import Ctx, handles

_MAX_PART = 1024 * 1024


def _check_window(req: Any) -> None:
    """Telegram's rules for offset/limit (core.telegram.org/api/files): multiples of
    4 KiB and a limit dividing 1 MiB; ``precise`` loosens that to multiples of 1 KiB
    and a limit of at most 1 MiB. Either way a part stays inside one 1 MiB fragment."""
    align = 1024 if req.precise else 4096
    if req.offset < 0 or req.offset % align:
        raise RpcFault(400, "OFFSET_INVALID")
    if req.limit <= 0 or req.limit > _MAX_PART or req.limit % align:
        raise RpcFault(400, "LIMIT_INVALID")
    if not req.precise and _MAX_PART % req.limit:
        raise RpcFault(400, "LIMIT_INVALID")
    if req.offset // _MAX_PART != (req.offset + req.limit - 1) // _MAX_PART:
        raise RpcFault(400, "LIMIT_INVALID")


@handles(F.upload.GetFileRequest)
def get_file(ctx: Ctx, req: Any) -> T.upload.File:
    loc = req.location
    if isinstance(loc, T.InputPhotoFileLocation):
        thumb = loc.thumb_size != "x"
    elif isinstance(loc, T.InputDocumentFileLocation):
        thumb = False
    else:
        raise RpcFault(400, "LOCATION_INVALID")
    found = ctx.world.find_media(loc.id)
    if found is None or found[0].access_hash != loc.access_hash:
        raise RpcFault(400, "LOCATION_INVALID")
    media, peer_id = found
    if (media.kind == "photo") != isinstance(loc, T.InputPhotoFileLocation):
        raise RpcFault(400, "LOCATION_INVALID")
    if peer_id is not None and peer_id in ctx.sim.denied:
        raise channel_private()
    if media.dc_id != ctx.dc_id:
        raise RpcFault(303, f"FILE_MIGRATE_{media.dc_id}")
    if loc.file_reference != tl.file_reference(ctx.world, media.id, ctx.sim.file_ref_epoch):
        raise RpcFault(400, "FILE_REFERENCE_EXPIRED")
    _check_window(req)
    data = ctx.world.media_bytes(media, req.offset, req.limit, thumb=thumb)
    kind: T.TypeFileType
    if media.kind == "photo":
        kind = T.storage.FileJpeg()
    elif media.kind == "video":
        kind = T.storage.FileMp4()
    else:
        kind = T.storage.FileUnknown()
    return T.upload.File(kind, int(media.date.timestamp()), data)
