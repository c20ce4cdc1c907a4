"""`python -m tests.support.latency_server serve --port P`: the local runner in demo mode
with the simulated Telegram answering every request after SIM_LATENCY seconds, so a test
can kill the server in the middle of a download (a real process, a real SIGKILL)."""

from __future__ import annotations

import os
import sys

from local.__main__ import main
from local.demo import demo_simulator

if __name__ == "__main__":
    demo_simulator().latency = float(os.environ.get("SIM_LATENCY", "0"))
    sys.exit(main(sys.argv[1:]))
