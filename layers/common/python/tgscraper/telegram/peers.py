"""A marked dialog id as the InputPeer Telegram wants, or None when the account has no such
dialog.

Telethon's `get_input_entity` looks in the session's entity cache (so a cold Lambda
resolves -100... ids without a request) and then asks Telegram; for an id it cannot place
it raises ValueError, but not only: an empty `channels.getChannels` answer (what Telegram
sends for a channel the account never saw) makes it raise IndexError, and an RPC error it
has no rule for escapes as that error. None of those mean "Telegram is unreachable", so
all of them fall back to the dialog list, whose walk is the authority on what exists.
Only failures that say nothing about the dialog propagate: the network, a flood wait, a
session Telegram no longer accepts.
"""

from __future__ import annotations

import logging
from typing import Any

from telethon import errors

log = logging.getLogger("tgscraper.telegram")

_PROPAGATE: tuple[type[BaseException], ...] = (
    ConnectionError,  # TelegramNetworkError included
    OSError,
    TimeoutError,
    errors.FloodError,  # FLOOD_WAIT_X and its kin (420)
    errors.UnauthorizedError,  # the session is gone (401)
    errors.ServerError,  # Telegram's own failure (500)
)


async def input_peer(client: Any, dialog_id: int) -> Any | None:
    """The InputPeer of `dialog_id`, or None when it is not among the account's dialogs.
    Network, flood and authorization failures are raised for the caller to map."""
    try:
        return await client.get_input_entity(dialog_id)
    except _PROPAGATE:
        raise
    except Exception as exc:  # see the module doc: not an answer about the dialog
        if not isinstance(exc, ValueError):
            log.info("resolving dialog %s: %s; looking in the dialog list", dialog_id, exc)
    # Not in the entity cache (a session made elsewhere, or a dialog never listed):
    # one walk over the dialogs fills the cache, which the session then persists.
    async for dialog in client.iter_dialogs():
        if dialog.id == dialog_id:
            return dialog.input_entity
    return None
