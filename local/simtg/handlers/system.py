"""help.* and logout: the plumbing Telethon calls on its own (updates.* are in updates.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .base import Ctx, handles

#: DC addresses as Telegram publishes them (DC 2 matches Telethon's default).
DC_IPS = {
    1: "149.154.175.53",
    2: "149.154.167.51",
    3: "149.154.175.100",
    4: "149.154.167.91",
    5: "91.108.56.130",
}


def config(this_dc: int, addresses: dict[int, tuple[str, int]] | None = None) -> T.Config:
    """``addresses``: DC id -> (host, port) of a real server (local.simtg.net)."""
    dcs = addresses or {dc: (ip, 443) for dc, ip in DC_IPS.items()}
    now = datetime.now(UTC).replace(microsecond=0)
    return T.Config(
        date=now,
        expires=now + timedelta(hours=1),
        test_mode=False,
        this_dc=this_dc,
        dc_options=[T.DcOption(dc, ip, port) for dc, (ip, port) in dcs.items()],
        dc_txt_domain_name="apv3.stel.com",
        chat_size_max=200,
        megagroup_size_max=200_000,
        forwarded_count_max=100,
        online_update_period_ms=210_000,
        offline_blur_timeout_ms=5_000,
        offline_idle_timeout_ms=30_000,
        online_cloud_timeout_ms=300_000,
        notify_cloud_delay_ms=30_000,
        notify_default_delay_ms=1_500,
        push_chat_period_ms=60_000,
        push_chat_limit=2,
        edit_time_limit=172_800,
        revoke_time_limit=2_147_483_647,
        revoke_pm_time_limit=2_147_483_647,
        rating_e_decay=2_419_200,
        stickers_recent_limit=200,
        channels_read_media_period=604_800,
        call_receive_timeout_ms=20_000,
        call_ring_timeout_ms=90_000,
        call_connect_timeout_ms=30_000,
        call_packet_timeout_ms=10_000,
        me_url_prefix="https://t.me/",
        caption_length_max=1024,
        message_length_max=4096,
        webfile_dc_id=4,
    )


@handles(F.help.GetConfigRequest, auth=False)
def get_config(ctx: Ctx, req: Any) -> T.Config:
    # A TCP connection (local.simtg.net) knows the ports its server listens on.
    return config(ctx.dc_id, getattr(ctx.sender, "dc_addresses", None))


@handles(F.help.GetNearestDcRequest, auth=False)
def get_nearest_dc(ctx: Ctx, req: Any) -> T.NearestDc:
    return T.NearestDc("XX", ctx.dc_id, ctx.sim.home_dc)


@handles(F.auth.LogOutRequest)
def log_out(ctx: Ctx, req: Any) -> T.auth.LoggedOut:
    assert ctx.state is not None
    ctx.state.user_id = None
    ctx.state.revoked = True
    return T.auth.LoggedOut()
