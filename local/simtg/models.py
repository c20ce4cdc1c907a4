"""Plain-Python read model of the simulated world.

These dataclasses are what tests use to compute expected answers independently
of Telethon; the TL objects served to clients are built from them in ``tl.py``.
Peer ids in ``DialogRec.peer_id``, ``MessageRec.peer_id`` and ``sender_id`` are
*marked* ids, exactly as ``telethon.utils.get_peer_id`` returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .rich import RichRec
    from .world import World

DialogKind = Literal["user", "bot", "group", "supergroup", "channel", "saved"]
ChatKind = Literal["group", "supergroup", "channel"]
MediaKind = Literal["photo", "document", "video", "voice", "sticker", "gif", "audio", "round"]

CHANNEL_MARK = 1_000_000_000_000


def channel_peer_id(channel_id: int) -> int:
    """Marked id of a channel/supergroup (``-100…``)."""
    return -(CHANNEL_MARK + channel_id)


def chat_peer_id(chat_id: int) -> int:
    """Marked id of a basic group."""
    return -chat_id


@dataclass
class UserRec:
    id: int
    access_hash: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    bot: bool = False
    verified: bool = False
    contact: bool = False
    is_self: bool = False
    dc_id: int = 2

    @property
    def peer_id(self) -> int:
        return self.id

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class ChatRec:
    """A basic group, supergroup (megagroup) or broadcast channel."""

    id: int
    access_hash: int
    kind: ChatKind
    title: str
    date: datetime
    participants_count: int
    username: str | None = None
    verified: bool = False
    creator: bool = False
    signatures: bool = False
    member_ids: list[int] = field(default_factory=list)
    forum: bool = False  # a supergroup whose messages live in topics (see rich.py)

    @property
    def peer_id(self) -> int:
        return chat_peer_id(self.id) if self.kind == "group" else channel_peer_id(self.id)

    @property
    def is_channel_type(self) -> bool:
        """True for anything Telegram models as a ``Channel`` (megagroups included)."""
        return self.kind != "group"


@dataclass
class MediaRec:
    """A photo or document; its bytes come from ``media.media_bytes``."""

    id: int
    access_hash: int
    kind: MediaKind
    size: int
    mime_type: str
    date: datetime
    dc_id: int = 2
    filename: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def key(self) -> str:
        """Key of the main file in the byte generator (thumbnails use other keys)."""
        return f"m{self.id}"

    @property
    def thumb_size(self) -> int:
        """Size of the small ``m`` photo size served beside the full one."""
        return min(self.size, 4096 + self.size // 20)


@dataclass
class FwdRec:
    """Where a forwarded message came from (``MessageFwdHeader``)."""

    date: datetime
    from_id: int | None = None  # marked peer id; None when the sender hid their account
    from_name: str | None = None
    channel_post: int | None = None
    post_author: str | None = None


@dataclass
class MessageRec:
    id: int
    peer_id: int
    date: datetime
    sender_id: int | None  # marked; None for channel posts
    text: str = ""
    out: bool = False
    media: MediaRec | None = None
    reply_to: int | None = None
    fwd: FwdRec | None = None
    post_author: str | None = None
    edit_date: datetime | None = None
    views: int | None = None
    extra: RichRec | None = None  # reactions, polls, service actions... (see rich.py)


@dataclass
class DialogRec:
    """One dialog of the logged-in account; live counts come from its history."""

    peer_id: int
    kind: DialogKind
    entity_id: int
    title: str
    username: str | None = None
    is_creator: bool = False
    verified: bool = False
    archived: bool = False
    muted: bool = False
    pinned: bool = False
    unread_count: int = 0
    participants_count: int | None = None
    created: datetime | None = None
    contact: bool = False
    # Set by World.register_dialog; counts are live because histories can change.
    _world: World | None = field(default=None, repr=False, compare=False)

    @property
    def folder_id(self) -> int:
        return 1 if self.archived else 0

    def _history_world(self) -> World:
        if self._world is None:
            raise RuntimeError("dialog is not registered with a World")
        return self._world

    @property
    def message_count(self) -> int:
        return self._history_world().history(self.peer_id).count

    @property
    def last_message(self) -> MessageRec | None:
        return self._history_world().history(self.peer_id).last()


@dataclass
class FolderRec:
    """A custom dialog folder (``DialogFilter``); peers are marked ids."""

    id: int
    title: str
    emoticon: str | None = None
    include_peers: list[int] = field(default_factory=list)
    exclude_peers: list[int] = field(default_factory=list)
    pinned_peers: list[int] = field(default_factory=list)
    contacts: bool = False
    non_contacts: bool = False
    groups: bool = False
    broadcasts: bool = False
    bots: bool = False
    exclude_muted: bool = False
    exclude_read: bool = False
    exclude_archived: bool = False
