"""Run every benchmark module in bench/ one after another, each in its own process."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], env=os.environ.copy())
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
