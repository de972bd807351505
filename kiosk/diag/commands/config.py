"""``kiosk-diag config check|show``: validate and print the effective configuration."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("config", help="validate or show the configuration")
    p.add_argument("action", choices=["check", "show"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    cfg = ctx.config  # raises ConfigError, reported by the CLI core
    if args.action == "check":
        ctx.emit({"ok": True, "profile": cfg.profile}, f"configuration OK (profile {cfg.profile})")
    else:
        import json

        from kiosk.config import to_dict

        data = to_dict(cfg)
        ctx.emit(data, json.dumps(data, ensure_ascii=False, indent=2))
    return 0
