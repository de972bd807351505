"""``kiosk-diag audit verify|tail``: check the hash chain of the audit log, show recent entries."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kiosk import audit as audit_log


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("audit", help="verify or show the audit log")
    p.add_argument("action", choices=["verify", "tail"])
    p.add_argument("--file", type=Path, default=None, help="audit file (default: from the config)")
    p.add_argument("-n", type=int, default=20, help="entries to show with tail")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _path(args: argparse.Namespace, ctx: Any) -> Path:
    if args.file is not None:
        return Path(args.file)
    cfg = ctx.config
    return cfg.path(cfg.paths.log_dir) / audit_log.AUDIT_FILE_NAME


def run(args: argparse.Namespace, ctx: Any) -> int:
    path = _path(args, ctx)
    if args.action == "verify":
        result = audit_log.verify(path)
        text = (f"audit log OK: {result.entries} entries ({path})" if result.ok else
                f"AUDIT LOG TAMPERED at line {result.first_bad_line}: {result.problem} ({path})")
        ctx.emit(result.as_dict(), text)
        return 0 if result.ok else 1
    lines = path.read_text(encoding="utf-8").splitlines()[-args.n:] if path.exists() else []
    entries = [json.loads(line) for line in lines]
    ctx.emit(entries, "\n".join(f"{e['seq']:>6} {e['ts']} {e['actor']:<12} {e['action']} "
                                f"{json.dumps(e['fields'], ensure_ascii=False)}" for e in entries))
    return 0
