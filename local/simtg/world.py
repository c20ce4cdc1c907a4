"""The simulated account: entities, dialogs, folders and lazy histories.

``World`` is the single source of truth for both sides: the request handlers
turn it into TL objects, and tests read it directly (``world.dialogs``,
``world.messages(peer_id)``) to compute the answers they expect.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from .content import ContentContext, decode_media_id, dt_to_ts, hash_int, make_media
from .history import History
from .models import (
    ChatRec,
    DialogKind,
    DialogRec,
    FolderRec,
    MediaKind,
    MediaRec,
    MessageRec,
    UserRec,
)
from .pts import PtsLog
from .realfiles import file_bytes
from .timeline import TimelineSpec, channel_columns, common_columns

#: Dialog kinds that share the account-wide message id counter on Telegram.
COMMON_KINDS = frozenset({"user", "bot", "group", "saved"})
DEFAULT_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class World:
    """A deterministic Telegram account. Build one with :meth:`generate`."""

    def __init__(self, seed: int, me: UserRec, now: datetime = DEFAULT_NOW) -> None:
        self.seed = seed
        self.me = me
        self.now = now
        self.password: str | None = None
        self.users: dict[int, UserRec] = {me.id: me}
        self.chats: dict[int, ChatRec] = {}
        self.dialogs: list[DialogRec] = []
        self.folders: list[FolderRec] = []
        self._by_peer: dict[int, DialogRec] = {}
        self._contexts: dict[int, ContentContext] = {}
        self._specs: dict[int, TimelineSpec] = {}
        self._histories: dict[int, History] = {}
        self._common_built = False
        self._next_common_id = 1
        self._media: dict[int, MediaRec] = {}
        self._next_media_id = 1 << 60
        self.rng = random.Random(hash_int(seed, "world-extra"))
        self._channel_pts: dict[int, PtsLog] = {}
        self._account_pts: PtsLog | None = None

    # -- construction ---------------------------------------------------------

    @classmethod
    def generate(
        cls,
        seed: int = 1,
        *,
        users: int = 40,
        bots: int = 5,
        groups: int = 8,
        supergroups: int = 10,
        channels: int = 12,
        folders: int = 4,
        messages: tuple[int, int] = (20, 300),
        years: int = 3,
        password: str | None = None,
        now: datetime = DEFAULT_NOW,
    ) -> World:
        """Generate a world; the same arguments always give the same world."""
        from .generator import generate_world

        return generate_world(
            seed,
            users=users,
            bots=bots,
            groups=groups,
            supergroups=supergroups,
            channels=channels,
            folders=folders,
            messages=messages,
            years=years,
            password=password,
            now=now,
        )

    def register_dialog(
        self,
        dialog: DialogRec,
        ctx: ContentContext,
        count: int,
        start: datetime,
        end: datetime,
        bursts: tuple[tuple[datetime, datetime, int], ...] = (),
    ) -> DialogRec:
        """Attach a dialog whose history will be generated on first access."""
        dialog._world = self
        self.dialogs.append(dialog)
        self._by_peer[dialog.peer_id] = dialog
        self._contexts[dialog.peer_id] = ctx
        spec = TimelineSpec(
            count,
            dt_to_ts(start),
            max(dt_to_ts(end), dt_to_ts(start)),
            tuple((dt_to_ts(lo), dt_to_ts(hi), n) for lo, hi, n in bursts),
        )
        self._specs[dialog.peer_id] = spec
        if dialog.kind in COMMON_KINDS and self._common_built:
            self._histories[dialog.peer_id] = self._build_common_late(dialog.peer_id, spec)
        return dialog

    def add_dialog(self, kind: DialogKind, messages: int, **options: Any) -> DialogRec:
        """Add a dialog after generation, e.g. a 200k-message channel for benchmarks.

        Options: title, username, participants, created, last_date, years, archived, muted,
        unread, creator, verified, media_percent, bursts (see ``generator.make_dialog``).
        """
        from .generator import make_dialog

        return make_dialog(self, kind, messages, **options)

    # -- lookups --------------------------------------------------------------

    def dialog(self, peer_id: int) -> DialogRec:
        return self._by_peer[peer_id]

    def has_dialog(self, peer_id: int) -> bool:
        return peer_id in self._by_peer

    def context(self, peer_id: int) -> ContentContext:
        return self._contexts[peer_id]

    def history(self, peer_id: int) -> History:
        hist = self._histories.get(peer_id)
        if hist is None:
            if self._by_peer[peer_id].kind in COMMON_KINDS:
                self._build_common()
            else:
                self._histories[peer_id] = self._build_channel(peer_id)
            hist = self._histories[peer_id]
        return hist

    def is_generated(self, peer_id: int) -> bool:
        """Whether the dialog's history columns exist yet (they are built on first access)."""
        return peer_id in self._histories

    def messages(self, peer_id: int) -> list[MessageRec]:
        """All messages of a dialog, oldest first (materialises them: tests only)."""
        return list(self.history(peer_id))

    def dialog_index(self, peer_id: int) -> int:
        return self._contexts[peer_id].dialog_index

    def find_media(self, media_id: int) -> tuple[MediaRec, int | None] | None:
        """Media by id and the marked peer of the message holding it (None if unknown)."""
        if media_id in self._media:
            return self._media[media_id], None
        index, msg_id = decode_media_id(media_id)
        if not 0 <= index < len(self.dialogs):
            return None
        peer_id = self.dialogs[index].peer_id
        msg = self.history(peer_id).get(msg_id)
        if msg is None or msg.media is None or msg.media.id != media_id:
            return None
        return msg.media, peer_id

    def media_bytes(
        self, media: MediaRec, offset: int = 0, length: int | None = None, thumb: bool = False
    ) -> bytes:
        """Bytes of a media file (or of its small photo size when ``thumb``): a real file
        of its type and exact size (``realfiles``)."""
        return file_bytes(self.seed, media, offset, length, thumb=thumb)

    def new_media(
        self,
        kind: MediaKind,
        size: int,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        dc_id: int | None = None,
        date: datetime | None = None,
    ) -> MediaRec:
        """Create a stand-alone media record (any size; bytes stay virtual)."""
        media_id = self._next_media_id
        self._next_media_id += 1
        rec = make_media(self.seed, media_id, kind, size, date or self.now, dc_id or self.me.dc_id)
        if filename is not None:
            rec.filename = filename
        if mime_type is not None:
            rec.mime_type = mime_type
        self._media[media_id] = rec
        return rec

    def entity(self, peer_id: int) -> UserRec | ChatRec:
        if peer_id > 0:
            return self.users[peer_id]
        dialog = self._by_peer.get(peer_id)
        if dialog is not None and dialog.kind in ("group", "supergroup", "channel"):
            return self.chats[dialog.entity_id]
        for chat in self.chats.values():
            if chat.peer_id == peer_id:
                return chat
        raise KeyError(peer_id)

    # -- update sequences (pts) -------------------------------------------------

    def pts_log(self, peer_id: int) -> PtsLog:
        """The pts sequence a dialog's changes advance: its own (channels, supergroups)
        or the account's (private chats, basic groups, Saved Messages)."""
        if self._by_peer[peer_id].kind in COMMON_KINDS:
            return self.account_pts()
        log = self._channel_pts.get(peer_id)
        if log is None:
            # Starts beside the top id, as Telegram's channel pts roughly does.
            log = self._channel_pts[peer_id] = PtsLog(self.history(peer_id).top_id + 1)
        return log

    def account_pts(self) -> PtsLog:
        if self._account_pts is None:
            if not self._common_built:
                self._build_common()
            self._account_pts = PtsLog(self._next_common_id)
        return self._account_pts

    # -- mutations ------------------------------------------------------------

    def next_message_id(self, peer_id: int) -> int:
        hist = self.history(peer_id)
        if self._by_peer[peer_id].kind in COMMON_KINDS:
            self._next_common_id += 1
            return self._next_common_id - 1
        return hist.top_id + 1

    def add_message(
        self,
        peer_id: int,
        text: str = "",
        *,
        date: datetime | None = None,
        media: MediaRec | None = None,
        sender_id: int | None = None,
        reply_to: int | None = None,
        post_author: str | None = None,
    ) -> MessageRec:
        """Append a new message (newest) to a dialog and return its record."""
        dialog = self._by_peer[peer_id]
        hist = self.history(peer_id)
        log = self.pts_log(peer_id)  # started before the change it records
        last = hist.last()
        # Telegram dates have whole seconds; keep the read model identical to the wire.
        when = (date or datetime.now(UTC)).replace(microsecond=0)
        if last is not None and when < last.date:
            when = last.date
        if sender_id is None and dialog.kind != "channel":
            sender_id = self.me.id
        rec = MessageRec(
            id=self.next_message_id(peer_id),
            peer_id=peer_id,
            date=when,
            sender_id=sender_id,
            text=text,
            out=sender_id == self.me.id,
            media=media,
            reply_to=reply_to,
            post_author=post_author,
            views=1 if dialog.kind == "channel" else None,
        )
        if media is not None:
            self._media.setdefault(media.id, media)
        hist.append(rec)
        log.record("new", peer_id, rec.id)
        return rec

    def edit_message(self, peer_id: int, msg_id: int, text: str, when: datetime) -> MessageRec:
        log = self.pts_log(peer_id)
        rec = self.history(peer_id).edit(msg_id, text, when)
        log.record("edit", peer_id, msg_id)
        return rec

    def delete_message(self, peer_id: int, msg_id: int) -> None:
        log = self.pts_log(peer_id)
        self.history(peer_id).delete(msg_id)
        log.record("delete", peer_id, msg_id)

    # -- history construction -------------------------------------------------

    def _build_channel(self, peer_id: int) -> History:
        ids, dates = channel_columns(self.seed, peer_id, self._specs[peer_id])
        return History(self._contexts[peer_id], ids, dates)

    def _build_common(self) -> None:
        """Lay out every common dialog at once: they share the account-wide counter."""
        specs = {d.peer_id: self._specs[d.peer_id] for d in self.dialogs if d.kind in COMMON_KINDS}
        for peer_id, (ids, dates) in common_columns(self.seed, specs).items():
            self._histories[peer_id] = History(self._contexts[peer_id], ids, dates)
        self._next_common_id = sum(s.count for s in specs.values()) + 1
        self._common_built = True

    def _build_common_late(self, peer_id: int, spec: TimelineSpec) -> History:
        """A common dialog added after the counter was laid out gets the next id block."""
        ids, dates = common_columns(self.seed, {peer_id: spec}, self._next_common_id)[peer_id]
        self._next_common_id += spec.count
        return History(self._contexts[peer_id], ids, dates)
