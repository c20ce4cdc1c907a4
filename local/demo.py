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
import os
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field
from telethon import TelegramClient
from telethon.sessions import Session

from local.simtg import SimulatedTelegram
from local.simtg.accounts import KeyState
from local.simtg.server import DEFAULT_API_HASH, DEFAULT_API_ID
from tgscraper.api.deps import ContainerDep
from tgscraper.api.openapi import error_responses
from tgscraper.auth.service import AuthService
from tgscraper.auth.store import QrStore
from tgscraper.errors import Conflict, NotFound
from tgscraper.identity import is_valid_username
from tgscraper.storage.file_sessions import TelethonFileSessionStore
from tgscraper.storage.ports import StorageError
from tgscraper.storage.sessions import SessionStore, SessionUnreadable
from tgscraper.telegram.clients import ClientFactory, real_client_factory
from tgscraper.telegram.network import Network, Server
from tgscraper.telegram.policy import Policy
from tgscraper.telegram.session import StoreSession

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

    def make(session: Session) -> TelegramClient:
        # Logins written meanwhile by another process (the CLI) or copied in count from
        # this request on, as real Telegram would know them.
        restorer = _restorers.get(id(simulator))
        if restorer is not None:
            restorer.scan()
        _restore_stored_key(simulator, session)
        # Built like the real factory (no update loop), so demo mode makes the same calls.
        return simulator.client(session, receive_updates=False)

    return make


class _Restorer:
    """Registers the keys of session files with the simulator, each file once per version
    (inode, mtime, size): a changed or new file is read again, an unchanged one never."""

    def __init__(self, sim: SimulatedTelegram, sessions: TelethonFileSessionStore) -> None:
        self._sim = sim
        self._sessions = sessions
        self._seen: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def scan(self) -> int:
        with self._lock:
            try:
                entries = list(os.scandir(self._sessions.directory))
            except FileNotFoundError:
                return 0
            return sum(self._visit(entry) for entry in entries)

    def _visit(self, entry: os.DirEntry[str]) -> bool:
        if not entry.name.endswith(SUFFIX) or entry.name.startswith("."):
            return False  # not a session (our own temporary files start with '.')
        try:
            info = entry.stat()
        except FileNotFoundError:
            return False
        version = (info.st_ino, info.st_mtime_ns, info.st_size)
        if self._seen.get(entry.name) == version:
            return False
        self._seen[entry.name] = version
        username = entry.name[: -len(SUFFIX)]
        if not is_valid_username(username):
            log.warning(
                "sessions/%s skipped: %r is not a valid username (use 1-64 of A-Z a-z 0-9 "
                "_ . - and rename the file to <username>.session)",
                entry.name,
                username,
            )
            return False
        try:
            record = self._sessions.load(username)
        except (SessionUnreadable, StorageError):
            return False  # warned by the store; that user gets 401 until a new login
        if record is None or not record.auth_key:
            return False
        self._sim.auth.keys[record.auth_key] = KeyState(
            record.auth_key, record.dc_id, user_id=self._sim.world.me.id
        )
        return True


_restorers: dict[int, _Restorer] = {}
SUFFIX = ".session"


def _restore_stored_key(sim: SimulatedTelegram, session: Session) -> None:
    """A stored login's key the simulator does not know (it restarted) is registered
    again as logged in to the demo account, on first use.

    This covers every session store, DynamoDB included, without listing logins (which
    would need a Scan): only a StoreSession carries a key loaded from the store (a new
    QR login runs on a MemorySession), and a key the simulator knows, revoked or not,
    is left as it is.
    """
    if not isinstance(session, StoreSession) or session.auth_key is None:
        return
    key = session.auth_key.key
    if key not in sim.auth.keys:
        sim.auth.keys[key] = KeyState(key, session.dc_id, user_id=sim.world.me.id)
        log.info("demo mode: restored the stored login of %s", session.username)


def tcp_client_factory(server: NetServer, policy: Policy | None = None) -> ClientFactory:
    """Real clients over real MTProto to the TCP server, configured exactly as
    TELEGRAM_SERVER + TELEGRAM_RSA_KEY would (tgscraper.telegram.network), with the
    deadlines of `policy` (TELEGRAM_TIMEOUT & co.)."""
    network = Network(server=Server(*server.home), rsa_key_pem=server.public_key_pem)
    return real_client_factory(DEFAULT_API_ID, DEFAULT_API_HASH, network, policy)


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
        try:
            record = sessions.load(path.stem)
        except (SessionUnreadable, StorageError):
            continue  # warned by the store; that user gets 401 until a new login
        if record is not None and record.dc_id in server.dcs:
            port = server.dcs[record.dc_id].port
            sessions.save(path.stem, replace(record, server_address=server.host, port=port))


def restore_logins(sim: SimulatedTelegram, sessions: SessionStore) -> int:
    """Re-authorize keys of sessions saved by an earlier demo run, and keep doing so for
    files written later by another process (the CLI) or copied in.

    Real Telegram remembers an authorization across our restarts; the simulator lives in
    memory, so the keys found in the embedded session folder are registered again as
    logged in to the demo account. A file that cannot be read, or whose name is not a
    valid username, is skipped with a warning (start-up never fails because of one).
    Returns how many were restored now. (Other stores, e.g.
    DynamoDB in aws mode, are restored per login on first use: `demo_client_factory`.)
    """
    if not isinstance(sessions, TelethonFileSessionStore):
        return 0
    restorer = _restorers[id(sim)] = _Restorer(sim, sessions)
    return restorer.scan()


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
