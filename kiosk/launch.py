"""Console entry point ``kiosk`` (and ``run_kiosk.py``): start the app with collection off.

The app runs Python's cyclic GC itself, on the UI thread only
(:func:`kiosk.app.take_over_garbage_collection`). Turning automatic collection off before the
imports, not after them, also spares start-up the dozen collections that importing PySide6 and
the app would trigger (about 15 ms of a 400 ms start).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    gc.disable()
    from kiosk.app import main as run

    return run(sys.argv[1:] if argv is None else argv)
