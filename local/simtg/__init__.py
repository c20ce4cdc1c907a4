"""Simulated Telegram: a fake server underneath a real ``telethon.TelegramClient``.

    from local.simtg import SimulatedTelegram, World

    sim = SimulatedTelegram(World.generate(seed=1))
    client = sim.client(sim.authorized_session())
    await client.connect()
    async for dialog in client.iter_dialogs(): ...

See README.md in this folder for the full API.
"""

from .cost import CostModel, FloodLimit, ManualClock
from .demo import demo_world
from .errors import RpcFault
from .media import media_bytes
from .models import ChatRec, DialogRec, FolderRec, FwdRec, MediaRec, MessageRec, UserRec
from .sender import SimSender
from .server import SimulatedTelegram
from .world import World

__all__ = [
    "ChatRec",
    "CostModel",
    "DialogRec",
    "FloodLimit",
    "FolderRec",
    "FwdRec",
    "ManualClock",
    "MediaRec",
    "MessageRec",
    "RpcFault",
    "SimSender",
    "SimulatedTelegram",
    "UserRec",
    "World",
    "demo_world",
    "media_bytes",
]
