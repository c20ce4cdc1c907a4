"""QR login, 2FA (SRP) and authorization export/import between DCs."""

from __future__ import annotations

import os
from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..errors import RpcFault, unauthorized
from ..srp import P_BYTES, G
from .base import Ctx, handles


def _authorization(ctx: Ctx, user_id: int) -> T.auth.Authorization:
    rec = ctx.world.users.get(user_id, ctx.world.me)
    return T.auth.Authorization(user=tl.user(rec))


def _password_needed() -> RpcFault:
    return RpcFault(401, "SESSION_PASSWORD_NEEDED")


@handles(F.auth.ExportLoginTokenRequest, auth=False)
def export_login_token(ctx: Ctx, req: Any) -> Any:
    state = ctx.state
    if state is None:
        raise unauthorized()
    if state.authorized:
        assert state.user_id is not None
        return T.auth.LoginTokenSuccess(_authorization(ctx, state.user_id))
    if state.password_user is not None:
        raise _password_needed()
    if state.approved is not None:
        user_id, dc_id, scanned = state.approved
        if dc_id != state.dc_id:
            return T.auth.LoginTokenMigrateTo(dc_id, scanned)
        if not ctx.sim.auth.login(state, user_id):
            raise _password_needed()
        return T.auth.LoginTokenSuccess(_authorization(ctx, user_id))
    token = ctx.sim.auth.export_token(state)
    ctx.sim.schedule_auto_approve(token.token)
    return T.auth.LoginToken(token.expires, token.token)


@handles(F.auth.ImportLoginTokenRequest, auth=False)
def import_login_token(ctx: Ctx, req: Any) -> Any:
    token = ctx.sim.auth.live_token(req.token)
    if token is None:
        raise RpcFault(400, "AUTH_TOKEN_EXPIRED")
    origin = ctx.sim.auth.keys.get(token.key)
    if origin is None or origin.approved is None or ctx.state is None:
        raise RpcFault(400, "AUTH_TOKEN_INVALID")
    user_id, dc_id, _ = origin.approved
    if dc_id != ctx.dc_id:
        return T.auth.LoginTokenMigrateTo(dc_id, req.token)
    if not ctx.sim.auth.login(ctx.state, user_id):
        raise _password_needed()
    return T.auth.LoginTokenSuccess(_authorization(ctx, user_id))


def _password_user(ctx: Ctx) -> int:
    state = ctx.state
    if state is None or state.revoked:
        raise unauthorized()
    if state.authorized and state.user_id is not None:
        return state.user_id
    if state.password_user is not None:
        return state.password_user
    raise unauthorized()


@handles(F.account.GetPasswordRequest, auth=False)
def get_password(ctx: Ctx, req: Any) -> T.account.Password:
    user_id = _password_user(ctx)
    new_algo = T.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        os.urandom(32), os.urandom(16), G, P_BYTES
    )
    secure = T.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000(os.urandom(8))
    record = ctx.sim.auth.passwords.get(user_id)
    if record is None:
        return T.account.Password(new_algo, secure, os.urandom(256), has_password=False)
    session = ctx.sim.start_srp(record)
    return T.account.Password(
        new_algo,
        secure,
        os.urandom(256),
        has_password=True,
        current_algo=record.algo(),
        srp_B=session.B_bytes,
        srp_id=session.srp_id,
        hint=record.hint,
    )


@handles(F.auth.CheckPasswordRequest, auth=False)
def check_password(ctx: Ctx, req: Any) -> T.auth.Authorization:
    user_id = _password_user(ctx)
    check = req.password
    if not isinstance(check, T.InputCheckPasswordSRP):
        raise RpcFault(400, "PASSWORD_HASH_INVALID")
    session = ctx.sim.auth.srp_sessions.pop(check.srp_id, None)
    if session is None:
        raise RpcFault(400, "SRP_ID_INVALID")
    if not session.verify(check.A, check.M1):
        raise RpcFault(400, "PASSWORD_HASH_INVALID")
    assert ctx.state is not None
    ctx.state.user_id, ctx.state.password_user, ctx.state.approved = user_id, None, None
    return _authorization(ctx, user_id)


@handles(F.auth.ExportAuthorizationRequest)
def export_authorization(ctx: Ctx, req: Any) -> T.auth.ExportedAuthorization:
    if req.dc_id == ctx.dc_id or req.dc_id not in range(1, 6):
        raise RpcFault(400, "DC_ID_INVALID")
    ident, blob = ctx.sim.auth.export_authorization(ctx.user_id)
    return T.auth.ExportedAuthorization(ident, blob)


@handles(F.auth.ImportAuthorizationRequest, auth=False)
def import_authorization(ctx: Ctx, req: Any) -> T.auth.Authorization:
    found = ctx.sim.auth.exported.pop(req.id, None)
    if found is None or found[0] != req.bytes or ctx.state is None:
        raise RpcFault(400, "AUTH_BYTES_INVALID")
    ctx.state.user_id = found[1]
    return _authorization(ctx, found[1])
