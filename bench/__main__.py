"""``python -m bench``: run every benchmark and write bench/results/report.md + report.json."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_all import main

raise SystemExit(main(sys.argv[1:]))
