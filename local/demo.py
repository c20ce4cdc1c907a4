"""Demo mode: the simulated Telegram behind the real Telethon client, no credentials.

Started by `make run` when TELEGRAM_API_ID/TELEGRAM_API_HASH are unset. The whole
/api/v3 contract is served from one process-wide simulated Telegram (local/simtg), and a
demo-only route (absent in real mode) approves a pending QR login as if a phone had
scanned it, so the QR login, dialog search, history and download flow can be walked
with curl.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from local.simtg import SimulatedTelegram
from local.simtg.accounts import KeyState
from local.simtg.server import DEFAULT_API_HASH, DEFAULT_API_ID
from tgscraper.api.deps import ContainerDep
from tgscraper.api.openapi import error_responses
from tgscraper.auth.service import AuthService
from tgscraper.auth.store import QrStore
from tgscraper.errors import Conflict, NotFound
from tgscraper.storage.file_sessions import TelethonFileSessionStore
from tgscraper.storage.sessions import SessionStore
from tgscraper.telegram.clients import ClientFactory, real_client_factory
from tgscraper.telegram.network import Network, Server

if TYPE_CHECKING:
    from local.simtg.net import NetServer

log = logging.getLogger("tgscraper.demo")

_simulator: SimulatedTelegram | None = None


def demo_simulator() -> SimulatedTelegram:
    """The process-wide simulated Telegram (a fixed, seeded demo world)."""
    global _simulator
    if _simulator is None:
        _simulator = SimulatedTelegram.demo()
    return _simulator


def demo_client_factory(sim: SimulatedTelegram | None = None) -> ClientFactory:
    simulator = sim or demo_simulator()
    # Built like the real factory (no update loop), so demo mode makes the same calls.
    return lambda session: simulator.client(session, receive_updates=False)


def tcp_client_factory(server: NetServer) -> ClientFactory:
    """Real clients over real MTProto to the TCP server, configured exactly as
    TELEGRAM_SERVER + TELEGRAM_RSA_KEY would (tgscraper.telegram.network)."""
    network = Network(server=Server(*server.home), rsa_key_pem=server.public_key_pem)
    return real_client_factory(DEFAULT_API_ID, DEFAULT_API_HASH, network)


_demo_servers = contextlib.ExitStack()
atexit.register(_demo_servers.close)


def start_demo_server(sim: SimulatedTelegram) -> NetServer:
    """DEMO_TRANSPORT=tcp: the simulator on 127.0.0.1 ports, in a thread of this process."""
    from local.simtg.net import serve

    server: NetServer = _demo_servers.enter_context(serve(sim))
    log.warning("demo mode over TCP: simulated Telegram DCs on %s", server.addresses)
    return server


def repoint_sessions(sessions: SessionStore, server: NetServer) -> None:
    """Stored demo sessions name the ports of an earlier run: point them at this one."""
    if not isinstance(sessions, TelethonFileSessionStore) or not sessions.directory.is_dir():
        return
    for path in sessions.directory.glob("*.session"):
        record = sessions.load(path.stem)
        if record is not None and record.dc_id in server.dcs:
            port = server.dcs[record.dc_id].port
            sessions.save(path.stem, replace(record, server_address=server.host, port=port))


def restore_logins(sim: SimulatedTelegram, sessions: SessionStore) -> int:
    """Re-authorize keys of sessions saved by an earlier demo run.

    Real Telegram remembers an authorization across our restarts; the simulator lives in
    memory, so the keys found in the embedded session folder are registered again as
    logged in to the demo account. Returns how many were restored.
    """
    if not isinstance(sessions, TelethonFileSessionStore) or not sessions.directory.is_dir():
        return 0
    restored = 0
    for path in sessions.directory.glob("*.session"):
        record = sessions.load(path.stem)
        if record is None or not record.auth_key:
            continue
        sim.auth.keys[record.auth_key] = KeyState(
            record.auth_key, record.dc_id, user_id=sim.world.me.id
        )
        restored += 1
    return restored


class ApproveRequest(BaseModel):
    two_factor_password: str | None = Field(
        default=None,
        description="Turn 2FA on with this password before approving (omit: 2FA off).",
        max_length=256,
    )


class ApproveResponse(BaseModel):
    token: str
    approved: bool
    message: str


router = APIRouter(prefix="/api/v3/demo", tags=["demo"])


def _auth_service(container: ContainerDep) -> AuthService:
    return AuthService(
        QrStore(container.stores.qr), container.stores.sessions, container.telegram.factory
    )


@router.post(
    "/qr/{token}/approve",
    response_model=ApproveResponse,
    responses=error_responses(404, 409, 503),
    summary="Demo only: approve a pending QR login as if a phone scanned it",
)
def approve_qr(
    request: Request,
    token: str,
    service: Annotated[AuthService, Depends(_auth_service)],
    body: Annotated[ApproveRequest | None, Body()] = None,
) -> dict[str, Any]:
    url = service.current_login_url(token)
    if url is None:
        raise NotFound("No pending QR login with this token (poll it first to get a QR code)")
    sim: SimulatedTelegram = request.app.state.simulator
    password = body.two_factor_password if body else None
    sim.set_password(password)
    try:
        sim.approve_qr(url)
    except ValueError as exc:
        raise Conflict("This QR code expired: poll the login again for a fresh one") from exc
    then = "submit the 2FA password" if password else "poll the login to finish it"
    return {"token": token, "approved": True, "message": f"QR scanned by the demo phone; {then}"}
