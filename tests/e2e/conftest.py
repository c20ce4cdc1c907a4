"""The end-to-end run needs real processes (moto_server, the local runner) and takes
several seconds, so `make test`'s pytest run reports it as skipped with the reason;
`make e2e` (E2E=1, run by .ci/run after `make test`) runs it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("E2E") == "1":
        return
    skip = pytest.mark.skip(reason="end-to-end run over real processes: `make e2e` (CI runs it)")
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)
