"""``SimulatedTelegram``: the server half, shared by any number of clients.

Requests arrive from ``SimSender`` already decoded from their wire bytes; the
sim counts them, applies injected faults, checks the auth key's state and
calls the registered handler, whose answer the sender round-trips through TL
serialization before the client sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
import weakref
from collections import Counter, deque
from typing import Any

from telethon import TelegramClient
from telethon.crypto import AuthKey
from telethon.sessions import MemorySession
from telethon.tl import functions as F
from telethon.tl.alltlobjects import LAYER
from telethon.tl.tlobject import TLRequest

from .accounts import AuthRegistry
from .actions import SimActions
from .controls import Controls, qualified_name
from .cost import CostModel, method_name
from .errors import RpcFault, unauthorized
from .handlers import REGISTRY, Ctx
from .handlers.system import DC_IPS
from .sender import SimSender
from .srp import PasswordRecord, SrpSession
from .world import World

_WRAPPERS = (
    F.InvokeWithLayerRequest,
    F.InitConnectionRequest,
    F.InvokeWithoutUpdatesRequest,
    F.InvokeAfterMsgRequest,
)
DEFAULT_API_ID = 12345
DEFAULT_API_HASH = "0123456789abcdef0123456789abcdef"


def unwrap(request: TLRequest) -> TLRequest:
    """Strip invokeWithLayer/initConnection/... down to the actual method."""
    while isinstance(request, _WRAPPERS):
        request = request.query
    return request


class SimulatedTelegram(SimActions):
    """A fake Telegram for real ``TelegramClient``s. Share one per test."""

    def __init__(self, world: World | None = None, *, cost: CostModel | None = None) -> None:
        self.world = world if world is not None else World.generate()
        self.controls = Controls(cost)
        self.auth = AuthRegistry()
        self.requests: Counter[str] = Counter()
        self.request_log: deque[str] = deque(maxlen=10_000)
        self.denied: set[int] = set()
        self.file_ref_epoch = 0
        #: Opt-in: one key connected from two clients at once is revoked, as Telegram
        #: does for two IPs (AUTH_KEY_DUPLICATED). Lets tests prove per-account locking.
        self.strict_key_sharing = False
        #: Whether channels listed by messages.getDialogs carry participants_count.
        #: Telegram does not promise it there; False exercises the getFullChannel path.
        self.channel_counts_in_dialogs = True
        #: Seconds after which every exported QR token approves itself (demo mode has
        #: no phone to scan it); None disables it.
        self.auto_approve_qr: float | None = None
        #: updates.get(Channel)Difference answer TooLong for a pts more than this many
        #: events behind; getDifference returns at most difference_slice events per call.
        self.difference_window = 10_000
        self.difference_slice = 1_000
        # Live connections, for server pushes; weak so forgotten clients can be collected.
        self._senders: weakref.WeakSet[SimSender] = weakref.WeakSet()
        if self.world.password:
            self.auth.passwords[self.world.me.id] = PasswordRecord.create(self.world.password)

    @classmethod
    def demo(cls, *, auto_approve_qr: float | None = None) -> SimulatedTelegram:
        """Sim on ``demo_world()``; ``auto_approve_qr`` seconds lets QR codes approve themselves."""
        from .demo import demo_world

        sim = cls(demo_world())
        sim.auto_approve_qr = auto_approve_qr
        return sim

    @property
    def home_dc(self) -> int:
        return self.world.me.dc_id

    @property
    def latency(self) -> float:
        return self.controls.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.controls.latency = seconds

    @property
    def cost(self) -> CostModel:
        """The cost model (latency, per-connection bandwidth, flood limits); settable."""
        return self.controls.cost

    @cost.setter
    def cost(self, model: CostModel) -> None:
        self.controls.cost = model

    # -- clients and sessions ---------------------------------------------------

    def client(
        self,
        session: Any = None,
        *,
        api_id: int = DEFAULT_API_ID,
        api_hash: str = DEFAULT_API_HASH,
        **kwargs: Any,
    ) -> TelegramClient:
        """A real ``TelegramClient`` whose network is this sim (not yet connected)."""
        client = TelegramClient(
            session if session is not None else MemorySession(), api_id, api_hash, **kwargs
        )
        self.attach(client)
        return client

    def attach(self, client: TelegramClient) -> TelegramClient:
        """Wire an existing client (built by other code) to this sim."""
        sim = self
        client._sender = SimSender(  # type: ignore[assignment]
            self,
            client.session.auth_key,
            updates_queue=client._updates_queue,
            auth_key_callback=client._auth_key_callback,
        )

        async def _create_exported_sender(self: TelegramClient, dc_id: int) -> SimSender:
            # Same steps as Telethon's own method, minus constructing an MTProtoSender.
            dc = await self._get_dc(dc_id)
            sender = SimSender(sim, None)
            await sender.connect(
                self._connection(
                    dc.ip_address,
                    dc.port,
                    dc.id,
                    loggers=self._log,
                    proxy=self._proxy,
                    local_addr=self._local_addr,
                )
            )
            auth = await self(F.auth.ExportAuthorizationRequest(dc_id))
            self._init_request.query = F.auth.ImportAuthorizationRequest(
                id=auth.id, bytes=auth.bytes
            )
            await sender.send(F.InvokeWithLayerRequest(LAYER, self._init_request))
            return sender

        client._create_exported_sender = types.MethodType(  # type: ignore[method-assign]
            _create_exported_sender, client
        )
        return client

    def authorized_session(
        self, user_id: int | None = None, dc_id: int | None = None
    ) -> MemorySession:
        """A session holding an auth key already logged in (default: ``world.me``)."""
        dc = dc_id or self.home_dc
        state = self.auth.new_key(dc, user_id or self.world.me.id)
        session = MemorySession()
        session.set_dc(dc, DC_IPS[dc], 443)
        session.auth_key = AuthKey(state.key)
        return session

    def schedule_auto_approve(self, token: bytes) -> None:
        if self.auto_approve_qr is None:
            return

        def approve() -> None:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to approve
                self.approve_qr(token)

        asyncio.get_running_loop().call_later(self.auto_approve_qr, approve)

    def start_srp(self, record: PasswordRecord) -> SrpSession:
        session = SrpSession.start(record)
        self.auth.srp_sessions[session.srp_id] = session
        return session

    # -- request processing -----------------------------------------------------

    def dispatch(
        self, sender: SimSender, request: TLRequest, *, arrived: float | None = None
    ) -> Any:
        """Answer one request. ``arrived``: the cost model's clock when it reached the
        server, before the latency was awaited (flood budgets count arrivals)."""
        inner = unwrap(request)
        self.requests[type(inner).__name__] += 1
        self.request_log.append(qualified_name(inner))
        self.controls.check(inner)
        state = self.auth.key_state(sender.auth_key.key, sender.dc_id)
        if state is not None and state.revoked and not isinstance(inner, F.help.GetConfigRequest):
            raise unauthorized()
        if state is not None and self.strict_key_sharing and self._key_used_elsewhere(sender):
            state.revoked, state.user_id = True, None
            raise RpcFault(406, "AUTH_KEY_DUPLICATED")
        entry = REGISTRY.get(type(inner))
        if entry is None:
            raise RpcFault(400, f"METHOD_NOT_SIMULATED_{type(inner).__name__.upper()}")
        if entry.needs_auth and (state is None or not state.authorized):
            if state is not None and state.password_user is not None:
                raise RpcFault(401, "SESSION_PASSWORD_NEEDED")
            raise unauthorized()
        # Telegram counts flood budgets per account; before login, per auth key.
        account = state.user_id if state is not None and state.authorized else sender.auth_key.key
        self.controls.meter.charge(self.controls.cost, account, method_name(inner), now=arrived)
        ctx = Ctx(self, sender, state)
        tamper = self.controls.tampering(inner)
        if tamper is not None:
            return tamper(inner, lambda: entry.fn(ctx, inner))
        return entry.fn(ctx, inner)

    def _key_used_elsewhere(self, sender: SimSender) -> bool:
        key = sender.auth_key.key
        return any(
            other is not sender and other.is_connected() and other.auth_key.key == key
            for other in self._senders
        )

    def reset_requests(self) -> None:
        self.requests.clear()
        self.request_log.clear()
