"""``kiosk-diag logs [-n N]``: the recent log lines, masked again on read."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk import audit as audit_log
from kiosk.diag import logview
from kiosk.diag.commands.export import cli_actor


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("logs", help="show recent log lines (masked)")
    p.add_argument("-n", type=int, default=50, help="number of lines")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    cfg = ctx.config
    lines = logview.recent_lines(cfg.path(cfg.paths.log_dir), max(1, args.n))
    audit_log.configure(cfg.path(cfg.paths.log_dir) / audit_log.AUDIT_FILE_NAME)
    audit_log.audit("diag.view_logs", actor=cli_actor(), lines=len(lines))
    ctx.emit([json.loads(line) if line.startswith("{") else line for line in lines], "\n".join(lines))
    return 0
