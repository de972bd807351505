"""``kiosk-diag errors [CODE]``: look up a numbered error code."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.devices import errors


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("errors", help="look up numbered error codes")
    p.add_argument("code", nargs="?", help="e.g. IDR-080; omit to list all")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    _load_all_codes()
    if args.code:
        found = errors.lookup(args.code)
        if found is None:
            print(f"unknown error code {args.code}")
            return 1
        ctx.emit(found.as_dict(), f"{found.code}  {found.meaning_zh} / {found.meaning_en}\n"
                 f"  处理: {found.action_zh}\n  action: {found.action_en}")
        return 0
    codes = errors.all_codes()
    ctx.emit([c.as_dict() for c in codes], "\n".join(f"{c.code}  {c.meaning_zh}" for c in codes))
    return 0


def _load_all_codes() -> None:
    """Import every device package so its codes are registered."""
    import importlib
    import pkgutil

    import kiosk.devices as devices

    for info in pkgutil.walk_packages(devices.__path__, devices.__name__ + "."):
        if info.name.endswith(("errors", "codes")):
            importlib.import_module(info.name)
    # Packages outside kiosk.devices with numbered codes: STF (staff access), diagnostics checks,
    # QUE (offline queue), NET (platform).
    for name in ("kiosk.staff.codes", "kiosk.diag.codes", "kiosk.offline.codes", "kiosk.platform.codes"):
        importlib.import_module(name)
