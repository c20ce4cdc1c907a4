"""The simulated Telegram served over real MTProto 2.0 on TCP (see README.md here).

from local.simtg import SimulatedTelegram
from local.simtg.net import serve

with serve(SimulatedTelegram()) as server:
    dc, host, port = server.home
    client = TelegramClient(MemorySession(), api_id, api_hash)
    client.session.set_dc(dc, host, port)
"""

from .faults import Faults
from .keys import ServerKey
from .server import DCS, NetServer, serve

__all__ = ["DCS", "Faults", "NetServer", "ServerKey", "serve"]
