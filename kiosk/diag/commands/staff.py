"""``kiosk-diag staff hash-pin|check|list|lockouts|unlock``: provision and inspect staff access."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from kiosk import audit as audit_log
from kiosk.audit import audit
from kiosk.diag.commands.export import cli_actor
from kiosk.staff import lockout as lk
from kiosk.staff.directory import StaffFileError
from kiosk.staff.factory import staff_file
from kiosk.staff.pins import DEFAULT_LOG2_N, MIN_LOG2_N, PinFormatError, hash_pin, validate_pin


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("staff", help="staff PIN hashes, staff file, lockouts")
    p.add_argument("action", choices=["hash-pin", "check", "list", "lockouts", "unlock"])
    p.add_argument("staff_id", nargs="?", help="staff id (for unlock)")
    p.add_argument("--stdin", action="store_true",
                   help="hash-pin: read the PIN from standard input (for scripts), not the terminal")
    p.add_argument("--cost", type=int, default=DEFAULT_LOG2_N, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _read_pin(args: argparse.Namespace) -> str | None:
    if args.stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("PIN: ")
    if getpass.getpass("PIN again: ") != first:
        print("the two PINs differ; nothing written", file=sys.stderr)
        return None
    return first


def run(args: argparse.Namespace, ctx: Any) -> int:
    if args.action == "hash-pin":
        pin = _read_pin(args)
        if pin is None:
            return 2
        try:
            validate_pin(pin)
        except PinFormatError as e:
            print(f"kiosk-diag: {e}", file=sys.stderr)
            return 2
        # Only the hash is printed; the PIN never reaches stdout, a log or the audit file.
        hashed = hash_pin(pin, log2_n=max(MIN_LOG2_N, args.cost))
        ctx.emit({"pin_hash": hashed}, hashed)
        return 0
    cfg = ctx.config
    try:
        directory = staff_file(cfg)
    except StaffFileError as e:
        ctx.emit({"ok": False, "error_code": "STF-008", "problem": str(e)}, f"STF-008 {e}")
        return 1
    if args.action == "check":
        ctx.emit({"ok": True, "staff": len(directory)},
                 f"staff file OK: {len(directory)} entries ({cfg.path(cfg.staff.staff_file)})")
        return 0
    if args.action == "list":
        rows = [{"id": m.id, "role": str(m.role), "card_id": m.card_id, "enabled": m.enabled,
                 "pin_cost_log2_n": m.pin.log2_n} for m in directory.members()]
        ctx.emit(rows, "\n".join(f"{r['id']:<10} {r['role']:<11} card={r['card_id']} "
                                 f"{'' if r['enabled'] else '(disabled)'}" for r in rows))
        return 0
    store = lk.LockoutStore(cfg.data_path(cfg.staff.lockout_file))
    now = time.time()
    if args.action == "lockouts":
        rows = []
        for m in directory.members():
            rec = store.get(m.id)
            rows.append({"id": m.id, "failures": rec.failures, "lockouts": rec.lockouts,
                         "locked_for_s": round(lk.locked_for(rec, now))})
        ctx.emit(rows, "\n".join(f"{r['id']:<10} wrong={r['failures']} lockouts={r['lockouts']} "
                                 f"locked_for={r['locked_for_s']}s" for r in rows))
        return 0
    if not args.staff_id:
        print("kiosk-diag: unlock needs a staff id", file=sys.stderr)
        return 2
    store.put(args.staff_id, lk.LockoutRecord())
    audit_log.configure(cfg.path(cfg.paths.log_dir) / audit_log.AUDIT_FILE_NAME)
    audit("staff.unlock", actor=cli_actor(), staff=args.staff_id)
    ctx.emit({"ok": True, "unlocked": args.staff_id}, f"unlocked {args.staff_id}")
    return 0

