"""``kiosk-diag queue status|list|sync|redrive ID|export``: inspect and drive the offline queue.

Inspection works while the kiosk runs (read-only, no lock). ``sync`` and ``redrive`` act
directly when the kiosk is not running; otherwise they leave a request the kiosk's sync worker
picks up within its poll interval (one writer process). Lists show masked values only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("queue", help="offline queue: status, list, sync…")
    qs = p.add_subparsers(dest="queue_cmd", metavar="ACTION")
    qs.required = True
    for name, help_text in (("status", "depth, oldest item, dead letters, disk use"),
                            ("list", "items (masked)"), ("sync", "deliver due items now"),
                            ("redrive", "re-queue a dead-lettered item"),
                            ("export", "everything staff may see, as JSON")):
        c = qs.add_parser(name, help=help_text)
        c.add_argument("--json", action="store_true", help="machine-readable output")
        if name == "list":
            c.add_argument("--state", action="append", default=None,
                           help="queued, sending, retry, delivered, purged, dead (repeatable)")
            c.add_argument("--limit", type=int, default=50)
        if name == "redrive":
            c.add_argument("id", help="application id (see 'queue list --state dead')")
        if name == "sync":
            c.add_argument("--timeout", type=float, default=60.0)
        if name == "export":
            c.add_argument("--output", type=Path, default=None)
        c.set_defaults(func=run)


def _reader(config: KioskConfig) -> Any:
    from kiosk.offline import build_offline_queue

    q = build_offline_queue(config)
    q.open_readonly()
    return q


def run(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.offline import build_offline_queue

    config: KioskConfig = ctx.config
    cmd = args.queue_cmd
    probe = build_offline_queue(config)
    if not probe.db_path.exists() and cmd != "sync":
        ctx.emit({"error": "no_queue", "path": str(probe.db_path)},
                 f"no queue database at {probe.db_path}")
        return 1
    running = probe.lock_held_elsewhere()
    if cmd in ("status", "list", "export"):
        q = _reader(config)
        try:
            return _inspect(args, ctx, q, running)
        finally:
            q.close()
    if cmd == "redrive":
        return _redrive(args, ctx, config, running)
    return _sync(args, ctx, config, running)


def _fmt_age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _inspect(args: argparse.Namespace, ctx: Any, q: Any, running: bool) -> int:
    if args.queue_cmd == "status":
        st = q.stats()
        data = dict(st.as_dict(), kiosk_running=running)
        text = (f"pending {st.depth}  oldest {_fmt_age(st.oldest_age_s)}  dead letters {st.dead}"
                f"  delivered (tombstones) {st.delivered}\n"
                f"disk {st.disk_bytes / 1e6:.1f} MB of {st.disk_budget_bytes / 1e6:.0f} MB"
                f"{'  ALARM (QUE-011)' if st.disk_alarm else ''}\n"
                f"states {json.dumps(st.by_state)}  kiosk running: {running}")
        ctx.emit(data, text)
        return 0
    if args.queue_cmd == "list":
        items = q.items(states=args.state, limit=args.limit)
        lines = [f"{i['id']}  {i['state']:<9} {i['display'].get('item_title', ''):<12} "
                 f"{i['display'].get('name', '')} {i['display'].get('id_number', '')}  "
                 f"tries {i['attempts']}  {i['last_error_code'] or ''}  {i['case_number'] or ''}"
                 for i in items]
        ctx.emit(items, "\n".join(lines) if lines else "(empty)")
        return 0
    data = q.export()
    if args.output is not None:
        args.output.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        ctx.emit({"written": str(args.output), "items": len(data["items"])},
                 f"exported {len(data['items'])} items to {args.output}")
    else:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0


def _request(config: KioskConfig, name: str) -> Path:
    from kiosk.offline import requests_dir

    d = requests_dir(config)
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text(str(time.time()))
    return p


def _redrive(args: argparse.Namespace, ctx: Any, config: KioskConfig, running: bool) -> int:
    from kiosk.offline import create_offline_queue
    from kiosk.offline.sync import REQUEST_REDRIVE_PREFIX, REQUEST_SYNC

    if running:
        _request(config, REQUEST_REDRIVE_PREFIX + args.id)
        _request(config, REQUEST_SYNC)
        ctx.emit({"requested": True, "id": args.id},
                 "the kiosk is running: re-drive requested, it acts within its poll interval")
        return 0
    q = create_offline_queue(config)
    try:
        ok = q.redrive(args.id)
    finally:
        q.close()
    ctx.emit({"redriven": ok, "id": args.id},
             "re-queued" if ok else "not re-queued (unknown id, not dead-lettered, or files gone)")
    return 0 if ok else 1


def _sync(args: argparse.Namespace, ctx: Any, config: KioskConfig, running: bool) -> int:
    from kiosk.offline import create_offline_queue, create_sync_worker
    from kiosk.offline.sync import REQUEST_SYNC
    from kiosk.platform import PlatformConfigError, create_platform_client

    if running:
        _request(config, REQUEST_SYNC)
        ctx.emit({"requested": True}, "the kiosk is running: sync requested")
        return 0
    try:
        client = create_platform_client(config)
    except PlatformConfigError as e:
        ctx.emit({"error": str(e)}, f"cannot sync: {e}")
        return 2
    q = create_offline_queue(config)
    try:
        worker = create_sync_worker(config, q, client)
        forced = q.force_due()
        before = q.stats().depth
        st = worker.run_until_idle(args.timeout)
        data = {"before": before, "after": st.depth, "forced": forced,
                "delivered": worker.delivered_count, "dead": st.dead,
                "last_error": worker.last_error}
        ctx.emit(data, f"delivered {worker.delivered_count}, still pending {st.depth}, "
                       f"dead letters {st.dead}" +
                 (f", last error {worker.last_error}" if worker.last_error else ""))
        return 0 if st.depth == 0 else 1
    finally:
        q.close()
        client.close()
