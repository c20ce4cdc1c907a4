"""Phone-number login: auth.sendCode / auth.signIn for the simulated account.

Only the account's own number is known (``world.me.phone``, +1 555 010 0000 in every
generated world); the code "sent" to it is ``sim.auth.login_code`` (12345 unless a test
sets another), so a demo user can type both. 2FA then goes through account.getPassword /
auth.checkPassword like a QR login.
"""

from __future__ import annotations

import secrets
from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..errors import RpcFault, unauthorized
from .base import Ctx, handles


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _known_phone(ctx: Ctx, phone: str) -> str:
    digits = _digits(phone)
    if not digits or digits != _digits(ctx.world.me.phone or ""):
        raise RpcFault(400, "PHONE_NUMBER_INVALID")
    return digits


@handles(F.auth.SendCodeRequest, auth=False)
def send_code(ctx: Ctx, req: Any) -> T.auth.SentCode:
    if ctx.state is None:
        raise unauthorized()
    phone = _known_phone(ctx, req.phone_number)
    code_hash = secrets.token_hex(8)
    ctx.sim.auth.phone_codes[code_hash] = phone
    code_type = T.auth.SentCodeTypeApp(length=len(ctx.sim.auth.login_code))
    return T.auth.SentCode(type=code_type, phone_code_hash=code_hash)


@handles(F.auth.SignInRequest, auth=False)
def sign_in(ctx: Ctx, req: Any) -> T.auth.Authorization:
    state = ctx.state
    if state is None:
        raise unauthorized()
    phone = _known_phone(ctx, req.phone_number)
    if ctx.sim.auth.phone_codes.get(req.phone_code_hash) != phone:
        raise RpcFault(400, "PHONE_CODE_EXPIRED")  # no code was sent for this hash
    if not req.phone_code:
        raise RpcFault(400, "PHONE_CODE_EMPTY")
    if req.phone_code != ctx.sim.auth.login_code:
        raise RpcFault(400, "PHONE_CODE_INVALID")
    del ctx.sim.auth.phone_codes[req.phone_code_hash]  # a code logs in once
    if not ctx.sim.auth.login(state, ctx.world.me.id):
        raise RpcFault(401, "SESSION_PASSWORD_NEEDED")
    return T.auth.Authorization(user=tl.user(ctx.world.me))
