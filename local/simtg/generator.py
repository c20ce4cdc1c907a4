"""Deterministic generation of a World's entities, dialogs and folders.

All randomness comes from ``random.Random`` seeded from the world seed; message
content is not generated here (see ``content.py`` and ``history.py``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from . import names
from .content import ContentContext, access_hash_for, hash_int
from .models import ChatKind, ChatRec, DialogKind, DialogRec, FolderRec, UserRec
from .world import World

_PARTICIPANTS = {"group": (2, 12), "supergroup": (20, 20_000), "channel": (50, 400_000)}


def _unique(rng: random.Random, lo: int, hi: int, used: set[int]) -> int:
    while True:
        value = rng.randint(lo, hi)
        if value not in used:
            return value


def make_user(world: World, rng: random.Random, *, bot: bool = False, i: int = 0) -> UserRec:
    uid = _unique(rng, 100_000_000, 7_999_999_999, set(world.users))
    ahash = access_hash_for(world.seed, "user", uid)
    if bot:
        name = f"{names.BOT_NAMES[i % len(names.BOT_NAMES)]}Bot"
        user = UserRec(
            uid,
            ahash,
            name,
            username=f"{name.lower()}{i}_bot",
            bot=True,
            verified=rng.random() < 0.4,
        )
    else:
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        username = None
        if rng.random() < 0.6:
            username = (
                f"{first.lower()}_{uid % 10000}" if first.isascii() else f"user_{uid % 99999}"
            )
        user = UserRec(
            uid,
            ahash,
            first,
            last,
            username=username,
            phone=f"1555{uid % 10_000_000:07d}",
            verified=rng.random() < 0.1,
            contact=rng.random() < 0.5,
        )
    world.users[uid] = user
    return user


def _span(
    world: World,
    rng: random.Random,
    years: int,
    created: datetime | None,
    last_date: datetime | None,
) -> tuple[datetime, datetime]:
    """First/last message dates: within ``years``, never before the chat existed."""
    start = world.now - timedelta(days=365 * years)
    if created is not None and created > start:
        start = created
    end = last_date or world.now - timedelta(days=min(rng.expovariate(1 / 20), 365 * years))
    return start, max(end, start)


def make_dialog(
    world: World,
    kind: DialogKind,
    messages: int,
    *,
    title: str | None = None,
    username: str | None = None,
    participants: int | None = None,
    created: datetime | None = None,
    last_date: datetime | None = None,
    years: int = 3,
    archived: bool = False,
    muted: bool = False,
    unread: int = 0,
    creator: bool = False,
    verified: bool = False,
    media_percent: int = 14,
    user: UserRec | None = None,
    pinned: bool = False,
    rng: random.Random | None = None,
    bursts: tuple[tuple[datetime, datetime, int], ...] = (),
) -> DialogRec:
    """Create the entity (unless given) and its dialog, and register both with the world.

    ``bursts``: (start, end, count) windows holding ``count`` of the ``messages`` each.
    """
    rng = rng or world.rng
    me = world.me.id
    channels = [c.peer_id for c in world.chats.values() if c.kind == "channel"]
    humans = [u.id for u in world.users.values() if not u.bot and not u.is_self]
    ctx = ContentContext(
        world.seed,
        0,
        len(world.dialogs),
        kind,
        me,
        fwd_channels=channels,
        fwd_users=humans[:12],
        media_percent=media_percent,
    )
    if kind in ("user", "bot", "saved"):
        if kind == "saved":
            user = world.me
        elif user is None:
            user = make_user(world, rng, bot=kind == "bot", i=len(world.dialogs))
            if title:
                user.first_name, user.last_name = title, None
        dialog = DialogRec(
            user.id,
            kind,
            user.id,
            "Saved Messages" if kind == "saved" else user.name,
            username=user.username,
            verified=user.verified,
            contact=user.contact,
        )
        ctx.partner_id = user.id
        start, end = _span(world, rng, years, created, last_date)
    else:
        lo, hi = _PARTICIPANTS[kind]
        count = participants or int(lo * (hi / lo) ** rng.random())
        # Drawn even when given, so choosing a dialog's creation date never shifts the ids
        # of the dialogs after it (README shows the demo archive's id).
        drawn = world.now - timedelta(days=rng.uniform(30, 365 * years))
        created = drawn if created is None else created
        created = created.replace(microsecond=0)  # Telegram dates are whole seconds
        start, end = _span(world, rng, years, created, last_date)
        # Basic group ids are small; channel ids are 10 digits (-100… when marked).
        lo_id, hi_id = (1000, 999_999_999) if kind == "group" else (10**9, 2_499_999_999)
        cid = _unique(rng, lo_id, hi_id, set(world.chats))
        pool = humans or [me]
        members = [me, *rng.sample(pool, min(len(pool), max(1, min(count, 12) - 1)))]
        chat_kind: ChatKind = kind  # type: ignore[assignment]
        chat = ChatRec(
            cid,
            0 if kind == "group" else access_hash_for(world.seed, "chan", cid),
            chat_kind,
            title or f"Chat {cid}",
            created,
            len(members) if kind == "group" else count,
            username=username,
            verified=verified,
            creator=creator,
            member_ids=members,
            signatures=kind == "channel" and rng.random() < 0.5,
        )
        world.chats[cid] = chat
        ctx.members, ctx.signatures = members, chat.signatures
        dialog = DialogRec(
            chat.peer_id,
            kind,
            cid,
            chat.title,
            username=username,
            is_creator=creator,
            verified=verified,
            participants_count=chat.participants_count,
            created=chat.date,
        )
    ctx.peer_id = dialog.peer_id
    dialog.archived, dialog.muted, dialog.pinned = archived, muted, pinned
    dialog.unread_count = min(unread, messages)
    return world.register_dialog(dialog, ctx, messages, start, end, bursts)


class _Flags(NamedTuple):
    archived: bool
    muted: bool
    unread: int
    creator: bool


def _flags(rng: random.Random) -> _Flags:
    unread = rng.randint(1, 60) if rng.random() < 0.4 else 0
    return _Flags(rng.random() < 0.15, rng.random() < 0.25, unread, rng.random() < 0.2)


def generate_world(
    seed: int,
    *,
    users: int,
    bots: int,
    groups: int,
    supergroups: int,
    channels: int,
    folders: int,
    messages: tuple[int, int],
    years: int,
    password: str | None,
    now: datetime,
) -> World:
    rng = random.Random(hash_int(seed, "generate"))
    uid = rng.randint(100_000_000, 7_999_999_999)
    me = UserRec(
        uid,
        access_hash_for(seed, "user", uid),
        "Sim",
        "User",
        username="sim_user",
        phone="15550100000",
        is_self=True,
    )
    world = World(seed, me, now)
    world.password = password
    people = [make_user(world, rng, i=i) for i in range(users)]

    def add(kind: DialogKind, count: int, *, owned: bool = False, **extra: Any) -> None:
        f = _flags(rng)
        creator = owned or (f.creator and kind in ("group", "supergroup", "channel"))
        make_dialog(
            world,
            kind,
            count,
            archived=f.archived,
            muted=f.muted,
            unread=f.unread,
            creator=creator,
            years=years,
            rng=rng,
            **extra,
        )  # type: ignore[arg-type]

    # Channels first so that later dialogs can forward from them.
    for i in range(channels):
        add(
            "channel",
            rng.randint(*messages),
            title=names.pick_title(names.CHANNEL_TITLES, i),
            username=f"sim_channel_{i}" if rng.random() < 0.8 else None,
            verified=rng.random() < 0.25,
            owned=i == channels - 1,  # at least one channel created by the account
        )
    for i in range(supergroups):
        add(
            "supergroup",
            rng.randint(*messages),
            title=names.pick_title(names.SUPERGROUP_TITLES, i),
            username=f"sim_group_{i}" if rng.random() < 0.5 else None,
            owned=i == 0,
        )
    for i in range(groups):
        add("group", rng.randint(*messages), title=names.pick_title(names.GROUP_TITLES, i))
    for user in people:
        if rng.random() < 0.85:
            add("user", rng.randint(*messages), user=user)
    for _ in range(bots):
        add("bot", max(2, rng.randint(*messages) // 4))
    make_dialog(world, "saved", rng.randint(*messages), years=years, rng=rng, pinned=True)
    main = [d for d in world.dialogs if not d.archived and d.kind == "channel"]
    if main:
        main[0].pinned = True
    _make_folders(world, rng, folders)
    return world


def _make_folders(world: World, rng: random.Random, count: int) -> None:
    """Folders covering include/exclude/pinned peers and every flag combination style."""
    chats = [d.peer_id for d in world.dialogs if d.kind in ("group", "supergroup")]
    chans = [d.peer_id for d in world.dialogs if d.kind == "channel"]
    everyone = [d.peer_id for d in world.dialogs if d.kind != "saved"]
    for i in range(count):
        title, emoji = names.FOLDERS[i % len(names.FOLDERS)]
        folder = FolderRec(i + 2, title if i < len(names.FOLDERS) else f"{title} {i}", emoji)
        style = i % 6
        if style == 0:
            folder.include_peers = rng.sample(chats, min(4, len(chats)))
            folder.pinned_peers = folder.include_peers[:1]
        elif style == 1:
            folder.broadcasts, folder.exclude_muted = True, True
            folder.exclude_peers = chans[:1]
        elif style == 2:
            folder.contacts, folder.bots, folder.exclude_archived = True, True, True
        elif style == 3:
            folder.non_contacts, folder.groups, folder.exclude_read = True, True, True
        else:
            folder.include_peers = rng.sample(everyone, min(5, len(everyone)))
        world.folders.append(folder)
