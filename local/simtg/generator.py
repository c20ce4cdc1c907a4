"""Deterministic generation of a World's entities, dialogs and folders.

All randomness comes from ``random.Random`` seeded from the world seed; message
content is not generated here (see ``content.py`` and ``history.py``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .content import POST_AUTHORS, ContentContext, access_hash_for, hash_int
from .models import ChatKind, ChatRec, DialogKind, DialogRec, FolderRec, UserRec
from .world import World

_FIRST = [
    "Alice",
    "Bob",
    "Иван",
    "Мария",
    "José",
    "Zoë",
    "François",
    "Ольга",
    "Chen",
    "Aiko",
    "Søren",
    "Łukasz",
    "Emma",
    "Noah",
    "Дмитрий",
    "Ana",
    "Jürgen",
    "Renée",
    "Omar",
    "Lucía",
]
_LAST = [
    "Smith",
    "Петров",
    "García",
    "Müller",
    "Dubois",
    None,
    "Kowalski",
    "Tanaka",
    "Иванова",
    None,
    "O'Brien",
    "Nørgaard",
]
_GROUP_TITLES = [
    "Family 👨‍👩‍👧",
    "Weekend hiking",
    "Одноклассники",
    "Book club 📚",
    "Flat 4B",
    "Équipe projet",
    "Board games",
    "Футбол по средам",
    "Wedding planning 💍",
]
_SUPER_TITLES = [
    "Python Devs 🐍",
    "Rust Community",
    "Криптотрейдеры",
    "Remote Work Café ☕",
    "Photography Lovers 📷",
    "Español para todos",
    "DevOps Chat",
    "Инвесторы",
    "Machine Learning 🤖",
    "Startup Founders",
    "Linux Users",
    "Gamers United 🎮",
]
_CHANNEL_TITLES = [
    "Crypto News",
    "Новости Москвы",
    "Tech Daily 💻",
    "Le Monde Éco",
    "Rocket Launches 🚀",
    "Спорт Экспресс",
    "Weather Alerts ⛈",
    "Music Charts 🎵",
    "Книжная полка",
    "Travel Deals ✈️",
    "Física Cuántica",
    "Memes 😂",
    "World Politics",
    "Кино и сериалы 🎬",
    "Daily Quotes ✨",
    "Science Digest 🔬",
]
_FOLDERS = [
    ("Work 💼", "💼"),
    ("Новости", "📰"),
    ("Bots & Contacts", "🤖"),
    ("Unread", "📬"),
    ("Café ☕", "☕"),
    ("Family", "🏠"),
]


def _unique(rng: random.Random, lo: int, hi: int, used: set[int]) -> int:
    while True:
        v = rng.randint(lo, hi)
        if v not in used:
            used.add(v)
            return v


def _title(pool: list[str], i: int) -> str:
    return pool[i % len(pool)] + ("" if i < len(pool) else f" #{i // len(pool) + 1}")


def make_user(world: World, rng: random.Random, *, bot: bool = False, i: int = 0) -> UserRec:
    used = set(world.users)
    uid = _unique(rng, 100_000_000, 7_999_999_999, used)
    if bot:
        name = f"{['Weather', 'News', 'Quiz', 'Helper', 'Translate', 'Music'][i % 6]}Bot"
        user = UserRec(
            uid,
            access_hash_for(world.seed, "user", uid),
            name,
            None,
            username=f"{name.lower()}{i}_bot",
            bot=True,
            verified=rng.random() < 0.4,
        )
    else:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        username = f"{first.lower()}_{uid % 10000}" if rng.random() < 0.6 else None
        if username and not username.isascii():
            username = f"user_{uid % 100000}"
        user = UserRec(
            uid,
            access_hash_for(world.seed, "user", uid),
            first,
            last,
            username=username,
            phone=f"1555{uid % 10_000_000:07d}",
            verified=rng.random() < 0.1,
            contact=rng.random() < 0.5,
        )
    world.users[uid] = user
    return user


def _dates(
    world: World,
    rng: random.Random,
    years: int,
    created: datetime | None,
    last_date: datetime | None,
) -> tuple[datetime, datetime]:
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
) -> DialogRec:
    """Create the entity (if needed) and the dialog, and register it with the world."""
    rng = rng or world.rng
    index = len(world.dialogs)
    me = world.me.id
    channels = [c.peer_id for c in world.chats.values() if c.kind == "channel"]
    humans = [u.id for u in world.users.values() if not u.bot and not u.is_self]
    ctx = ContentContext(
        world.seed,
        0,
        index,
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
            user = make_user(world, rng, bot=kind == "bot", i=index)
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
        start, end = _dates(world, rng, years, created, last_date)
    else:
        chat_kind: ChatKind = kind  # type: ignore[assignment]
        lo_hi = {"group": (2, 12), "supergroup": (20, 20_000), "channel": (50, 400_000)}[kind]
        count = participants or int(lo_hi[0] * (lo_hi[1] / lo_hi[0]) ** rng.random())
        if created is None:
            created = (world.now - timedelta(days=rng.uniform(30, 365 * years))).replace(microsecond=0)
        start, end = _dates(world, rng, years, created, last_date)
        cid = _unique(rng, 1_000_000_000, 2_499_999_999, set(world.chats))
        if kind == "group":
            cid = cid % 999_999_000 + 1000
        pool = humans or [me]
        members = [me, *rng.sample(pool, min(len(pool), max(1, min(count, 12) - 1)))]
        chat = ChatRec(
            cid,
            0 if kind == "group" else access_hash_for(world.seed, "chan", cid),
            chat_kind,
            title or f"Chat {cid}",
            created or start,
            count if kind != "group" else len(members),
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
    return world.register_dialog(dialog, ctx, messages, start, end)


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
    me = UserRec(0, 0, "Sim", "User", username="sim_user", phone="15550100000", is_self=True)
    me.id = rng.randint(100_000_000, 7_999_999_999)
    me.access_hash = access_hash_for(seed, "user", me.id)
    world = World(seed, me, now)
    world.password = password
    people = [make_user(world, rng, i=i) for i in range(users)]

    def n_msgs() -> int:
        return rng.randint(*messages)

    def flags(kind: str) -> dict[str, object]:
        has_unread = rng.random() < 0.4
        return {
            "archived": rng.random() < 0.15,
            "muted": rng.random() < 0.25,
            "unread": rng.randint(1, 60) if has_unread else 0,
            "years": years,
            "rng": rng,
            "creator": kind != "channel_ext" and rng.random() < 0.2,
        }

    # Channels first so that later dialogs can forward from them.
    for i in range(channels):
        f = flags("channel")
        make_dialog(
            world,
            "channel",
            n_msgs(),
            title=_title(_CHANNEL_TITLES, i),
            username=None if f["creator"] else f"sim_channel_{i}",
            verified=rng.random() < 0.25,
            **f,
        )  # type: ignore[arg-type]
    for i in range(supergroups):
        f = flags("supergroup")
        make_dialog(
            world,
            "supergroup",
            n_msgs(),
            title=_title(_SUPER_TITLES, i),
            username=f"sim_group_{i}" if rng.random() < 0.5 else None,
            **f,
        )  # type: ignore[arg-type]
    for i in range(groups):
        make_dialog(world, "group", n_msgs(), title=_title(_GROUP_TITLES, i), **flags("group"))  # type: ignore[arg-type]
    for user in people:
        if rng.random() < 0.85:
            f = flags("user")
            f["creator"] = False
            make_dialog(world, "user", n_msgs(), user=user, **f)  # type: ignore[arg-type]
    for i in range(bots):
        f = flags("bot")
        f["creator"] = False
        make_dialog(world, "bot", max(2, n_msgs() // 4), **f)  # type: ignore[arg-type]
    make_dialog(world, "saved", n_msgs(), years=years, rng=rng, pinned=True)
    main = [d for d in world.dialogs if not d.archived and d.kind == "channel"]
    if main:
        main[0].pinned = True
    _make_folders(world, rng, folders)
    return world


def _make_folders(world: World, rng: random.Random, count: int) -> None:
    chats = [d.peer_id for d in world.dialogs if d.kind in ("group", "supergroup")]
    chans = [d.peer_id for d in world.dialogs if d.kind == "channel"]
    everyone = [d.peer_id for d in world.dialogs if d.kind != "saved"]
    for i in range(count):
        title, emoji = _FOLDERS[i % len(_FOLDERS)]
        folder = FolderRec(i + 2, title if i < len(_FOLDERS) else f"{title} {i}", emoji)
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


__all__ = ["POST_AUTHORS", "generate_world", "make_dialog", "make_user"]
