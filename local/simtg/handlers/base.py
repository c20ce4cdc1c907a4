"""Handler registry and the per-request context handed to every handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..accounts import KeyState
from ..errors import unauthorized
from ..models import UserRec
from ..world import World

if TYPE_CHECKING:
    from ..sender import SimSender
    from ..server import SimulatedTelegram

Handler = Callable[["Ctx", Any], Any]


@dataclass
class Entry:
    fn: Handler
    needs_auth: bool


REGISTRY: dict[type, Entry] = {}


def handles(*request_types: type, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler; ``auth=False`` marks methods allowed before login."""

    def register(fn: Handler) -> Handler:
        for rt in request_types:
            REGISTRY[rt] = Entry(fn, auth)
        return fn

    return register


@dataclass
class Ctx:
    sim: SimulatedTelegram
    sender: SimSender
    state: KeyState | None

    @property
    def world(self) -> World:
        return self.sim.world

    @property
    def dc_id(self) -> int:
        return self.sender.dc_id

    @property
    def user_id(self) -> int:
        if self.state is None or not self.state.authorized or self.state.user_id is None:
            raise unauthorized()
        return self.state.user_id

    @property
    def me(self) -> UserRec:
        return self.world.users.get(self.user_id, self.world.me)
