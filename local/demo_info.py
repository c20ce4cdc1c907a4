"""What `/` and `/health` add in demo mode: the demo's notable dialogs (`"demo"` field).

The field exists only in demo mode (real mode and Lambda answer the documented shapes
unchanged). It is computed once from the world's read model, without generating any
history, so `/health` stays as cheap as it is.
"""

from __future__ import annotations

from typing import Any

from local.simtg import SimulatedTelegram
from local.simtg.demo import NOTABLE

APPROVE_HINT = (
    "Demo mode: log in with POST /api/v3/auth/qr, then POST /api/v3/demo/qr/{token}/approve "
    "plays the phone; use these ids wherever the reference (docs/api-v3.md) has -1001234567890"
)


def demo_info(sim: SimulatedTelegram) -> dict[str, Any]:
    by_username = {d.username: d for d in sim.world.dialogs if d.username}
    notable = []
    for entry in NOTABLE:
        dialog = by_username.get(entry.username)
        if dialog is None:  # a custom world without it: nothing to point at
            continue
        notable.append(
            {
                "id": dialog.peer_id,
                "type": dialog.kind,
                "title": dialog.title,
                "username": dialog.username,
                "about": entry.why,
            }
        )
    return {"message": APPROVE_HINT, "notable_dialogs": notable}
