"""Deterministic message content: texts, senders, media, replies and forwards.

Everything about a generated message except its id and date is derived from a
128-bit hash of ``(seed, dialog key, message id)``, so histories only store two
integer arrays and any message can be rebuilt on demand in O(1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .models import DialogKind, FwdRec, MediaKind, MediaRec, MessageRec

_PHRASES = [
    "Good morning everyone",
    "Meeting moved to Thursday",
    "Bitcoin hits new ATH 🚀",
    "Новый выпуск уже на сайте",
    "Привет! Как дела?",
    "Café au lait et croissant ☕",
    "¿Dónde está la estación?",
    "Release notes for v2.3 are out",
    "Check the attached report",
    "Straße gesperrt wegen Bauarbeiten",
    "Погода в Москве: ☀️ +21°",
    "Who is joining the call? 📞",
    "Ελληνικά γράμματα για όλους",
    "日本語のメッセージです",
    "Thanks, that helps a lot 🙏",
    "Reminder: backups run at 02:00",
    "Smörgåsbord at the office today",
    "See you tomorrow 👋",
    "Курс доллара снова вырос 📈",
    "Deploy finished without errors ✅",
]
_TAILS = ["", "", "", " 😀", " !", " — details inside", " (update)", " 🔥", "...", " ✨"]
POST_AUTHORS = ["Anna K.", "Иван Петров", "José Núñez", "Editorial", "Zoë"]

#: How media kinds are spread (cumulative percent), and their byte-size ranges.
_MEDIA_KINDS: list[tuple[int, MediaKind]] = [
    (45, "photo"),
    (70, "document"),
    (82, "video"),
    (92, "voice"),
    (100, "sticker"),
]
_SIZES: dict[MediaKind, tuple[int, int]] = {
    "photo": (20_000, 400_000),
    "document": (2_000, 3_000_000),  # the smallest real XLSX (realfiles) is ~1.7 kB
    "video": (500_000, 8_000_000),
    "voice": (4_000, 200_000),
    "sticker": (8_000, 60_000),
}
_DOC_NAMES = ["report.pdf", "notes.txt", "budget_2024.xlsx", "отчёт.docx", "photo_archive.zip"]
_MIMES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
}


def hash_int(*parts: object, bits: int = 64) -> int:
    """Stable non-negative integer from any printable parts (never Python's ``hash``)."""
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=bits // 8).digest(), "big")


def access_hash_for(seed: int, kind: str, ident: int) -> int:
    """Signed 64-bit access hash, as Telegram sends them."""
    return hash_int(seed, "ah", kind, ident) - (1 << 63)


def ts_to_dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def dt_to_ts(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def media_id_for(dialog_index: int, msg_id: int) -> int:
    """Generated media ids encode their message so ``upload.getFile`` can find them."""
    return ((dialog_index + 1) << 40) | msg_id


def decode_media_id(media_id: int) -> tuple[int, int]:
    return (media_id >> 40) - 1, media_id & ((1 << 40) - 1)


def make_media(
    seed: int, media_id: int, kind: MediaKind, size: int, date: datetime, dc_id: int, r: int = 0
) -> MediaRec:
    """Build a media record; ``r`` supplies the deterministic cosmetic details."""
    filename: str | None = None
    mime = "image/jpeg"
    if kind == "document":
        filename = _DOC_NAMES[r % len(_DOC_NAMES)]
        mime = _MIMES.get(filename[filename.rfind(".") :], "application/octet-stream")
    elif kind == "video":
        filename, mime = f"video_{media_id % 10000}.mp4", "video/mp4"
    elif kind == "voice":
        mime = "audio/ogg"
    elif kind == "sticker":
        mime = "image/webp"
    return MediaRec(
        id=media_id,
        access_hash=access_hash_for(seed, "media", media_id),
        kind=kind,
        size=size,
        mime_type=mime,
        date=date,
        dc_id=dc_id,
        filename=filename,
        width=1280 if kind in ("photo", "video") else 512,
        height=720 if kind in ("photo", "video") else 512,
        duration=(r % 600) + 1 if kind in ("video", "voice") else 0,
    )


@dataclass
class ContentContext:
    """What a dialog's messages may refer to (senders, forward sources, DCs)."""

    seed: int
    peer_id: int
    dialog_index: int
    kind: DialogKind
    me_id: int
    partner_id: int | None = None  # the other user of a private chat
    members: list[int] = field(default_factory=list)  # marked ids that may post in groups
    fwd_channels: list[int] = field(default_factory=list)  # marked channel ids
    fwd_users: list[int] = field(default_factory=list)
    signatures: bool = False
    media_percent: int = 14
    media_dcs: tuple[int, ...] = (2, 2, 2, 2, 4)


def _sender(ctx: ContentContext, r: int) -> tuple[int | None, bool]:
    """(marked sender id, outgoing?) of a generated message."""
    if ctx.kind == "channel":
        return None, False
    if ctx.kind == "saved":
        return ctx.me_id, True
    if ctx.kind in ("user", "bot"):
        out = r % 3 == 0
        return (ctx.me_id if out else ctx.partner_id), out
    pool = ctx.members or [ctx.me_id]
    sender = pool[r % len(pool)]
    return sender, sender == ctx.me_id


def build_message(
    ctx: ContentContext, msg_id: int, ts: int, prev_ids: list[int] | None = None
) -> MessageRec:
    """Rebuild generated message ``msg_id`` of this dialog; ``prev_ids`` feed replies."""
    h = hash_int(ctx.seed, ctx.peer_id, msg_id, bits=128)
    date = ts_to_dt(ts)
    text = _PHRASES[h % len(_PHRASES)] + _TAILS[(h >> 8) % len(_TAILS)]
    sender_id, out = _sender(ctx, (h >> 16) & 0xFFFF)
    media = None
    if (h >> 32) % 100 < ctx.media_percent:
        roll = (h >> 40) % 100
        kind = next(k for bound, k in _MEDIA_KINDS if roll < bound)
        lo, hi = _SIZES[kind]
        size = lo + (h >> 48) % (hi - lo)
        dc = ctx.media_dcs[(h >> 60) % len(ctx.media_dcs)]
        media = make_media(
            ctx.seed, media_id_for(ctx.dialog_index, msg_id), kind, size, date, dc, h >> 64
        )
        if (h >> 70) % 3 == 0:
            text = ""  # media without caption
    reply_to = None
    if prev_ids and (h >> 80) % 100 < 10:
        reply_to = prev_ids[-1 - ((h >> 88) % len(prev_ids))]
    fwd = _forward(ctx, h >> 96, date)
    post_author = None
    if ctx.kind == "channel" and ctx.signatures and (h >> 24) % 2 == 0:
        post_author = POST_AUTHORS[(h >> 26) % len(POST_AUTHORS)]
    edit_date = date + timedelta(minutes=1 + (h >> 100) % 300) if (h >> 110) % 100 < 6 else None
    views = 50 + (h >> 112) % 50_000 if ctx.kind == "channel" else None
    return MessageRec(
        id=msg_id,
        peer_id=ctx.peer_id,
        date=date,
        sender_id=sender_id,
        text=text,
        out=out,
        media=media,
        reply_to=reply_to,
        fwd=fwd,
        post_author=post_author,
        edit_date=edit_date,
        views=views,
    )


def _forward(ctx: ContentContext, r: int, date: datetime) -> FwdRec | None:
    share = 40 if ctx.kind == "saved" else 7
    if r % 100 >= share:
        return None
    fwd_date = date - timedelta(hours=1 + (r >> 8) % 500)
    if ctx.fwd_channels and (r >> 20) % 2 == 0:
        src = ctx.fwd_channels[(r >> 21) % len(ctx.fwd_channels)]
        author = POST_AUTHORS[(r >> 5) % len(POST_AUTHORS)] if (r >> 4) % 3 == 0 else None
        return FwdRec(fwd_date, from_id=src, channel_post=1 + (r >> 24) % 5000, post_author=author)
    if ctx.fwd_users and (r >> 22) % 4 != 0:
        return FwdRec(fwd_date, from_id=ctx.fwd_users[(r >> 23) % len(ctx.fwd_users)])
    return FwdRec(fwd_date, from_name="Hidden Sender")
