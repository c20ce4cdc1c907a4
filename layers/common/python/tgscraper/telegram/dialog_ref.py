"""A dialog named the way people paste it: a marked id (`-1001234567890`), `@username`,
or a `t.me` link (`t.me/name`, `https://t.me/name/123`, `t.me/c/1234567890/5` for a
private channel's post link). GET /history accepts any of them (docs/messages.md).

A username is resolved once per account: first from the account's stored entity rows
(what dialog listings and earlier resolutions saw; no Telegram call), else through
Telegram's `contacts.resolveUsername`, whose answer is then stored with those rows.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from telethon import errors, utils

from tgscraper.container import Container
from tgscraper.errors import BadRequest, NotFound
from tgscraper.numbers import looks_numeric, parse_int
from tgscraper.storage.sessions import EntityRow

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}", re.ASCII)
"""Telegram's public usernames: 4-32 characters, a letter first (short ones exist for
collectibles; 5 is the minimum for new ones)."""
_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(.+)$", re.IGNORECASE)
_MAX_ID = 2**63 - 1


def parse_dialog_ref(raw: str) -> int | str:
    """A marked id (int) or a username (str, without '@'); BadRequest otherwise."""
    text = raw.strip()
    if text.startswith("@"):
        return _username(text[1:], raw)
    link = _LINK.match(text)
    if link is not None:
        return _from_link(link.group(1), raw)
    if not looks_numeric(text) and not text.startswith("-"):
        raise _invalid(raw)
    value = parse_int(text, "dialog_id", where="path parameter")
    if not -_MAX_ID - 1 <= value <= _MAX_ID:
        raise BadRequest("Invalid path parameter 'dialog_id': out of the 64-bit range")
    return value


def _from_link(rest: str, raw: str) -> int | str:
    parts = [p for p in rest.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[0] == "c" and parts[1].isascii() and parts[1].isdigit():
        return int(f"-100{parts[1]}")  # a private channel's post link: t.me/c/<id>/<post>
    if parts and (parts[0].startswith("+") or parts[0] == "joinchat"):
        raise BadRequest(
            "Invalid path parameter 'dialog_id': an invite link names no dialog until the "
            "account joins it; use the dialog's id"
        )
    if len(parts) >= 2 and parts[0] == "s":
        parts = parts[1:]  # t.me/s/<name>: the web preview of a public channel
    if parts and parts[0] != "c":
        return _username(parts[0], raw)
    raise _invalid(raw)


def _username(name: str, raw: str) -> str:
    if not _USERNAME.fullmatch(name):
        raise _invalid(raw)
    return name.lower()


def _invalid(raw: str) -> BadRequest:
    return BadRequest(
        f"Invalid path parameter 'dialog_id': {raw[:80]!r} is not a marked dialog id, "
        "an @username or a t.me link"
    )


async def resolve_dialog_ref(container: Container, account: str, ref: int | str) -> int:
    """The marked dialog id of `ref` for the logged-in `account`. NotFound for a username
    nobody has; Telegram's other failures as the service's errors."""
    if isinstance(ref, int):
        return ref
    sessions = container.stores.sessions
    known = sessions.entities(account)
    for row in known:
        if row.username and row.username.lower() == ref:
            return int(row.id)
    from tgscraper.history.fetcher import translate

    async with container.telegram.client(account) as client:
        client.flood_sleep_threshold = 0
        try:
            entity: Any = await client.get_entity(ref)
        except (errors.UsernameNotOccupiedError, errors.UsernameInvalidError) as exc:
            raise NotFound(f"No Telegram user, group or channel is called @{ref}") from exc
        except ValueError as exc:  # Telethon: "No user has ... as username"
            raise NotFound(f"No Telegram user, group or channel is called @{ref}") from exc
        except Exception as exc:
            raise translate(exc, 0) from exc
    marked = int(utils.get_peer_id(entity))
    same = next((r for r in known if r.id == marked), None)
    if same is not None:  # keep what the row knew (phone, name), add the username
        row = replace(same, username=ref)
    else:
        row = EntityRow(id=marked, hash=int(getattr(entity, "access_hash", 0) or 0), username=ref)
    sessions.put_entities(account, [row])
    return marked
