"""The one exception handlers raise: an RPC error exactly as Telegram sends it."""

from __future__ import annotations


class RpcFault(Exception):
    """Turned into Telethon's own error class via ``rpc_message_to_error``.

    ``code`` and ``message`` follow Telegram (e.g. ``420, "FLOOD_WAIT_30"``).
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def peer_invalid() -> RpcFault:
    return RpcFault(400, "PEER_ID_INVALID")


def channel_invalid() -> RpcFault:
    return RpcFault(400, "CHANNEL_INVALID")


def channel_private() -> RpcFault:
    return RpcFault(400, "CHANNEL_PRIVATE")


def unauthorized() -> RpcFault:
    return RpcFault(401, "AUTH_KEY_UNREGISTERED")
