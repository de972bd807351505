"""``kiosk-diag catalogue info|validate FILE|search TEXT``: the service catalogue from the CLI."""

from __future__ import annotations

import argparse
import collections
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("catalogue", help="service catalogue: info, "
                                                "validate a file, search")
    p.add_argument("action", choices=["info", "validate", "search"])
    p.add_argument("arg", nargs="?", help="file to validate, or text to search")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.catalogue.loader import CatalogueError, load_catalogue_file
    from kiosk.catalogue.service import CatalogueService, open_store

    if args.action == "validate":
        if not args.arg:
            ctx.emit({"ok": False, "error": "give a file"}, "usage: catalogue validate FILE")
            return 2
        try:
            cat = load_catalogue_file(Path(args.arg))
        except CatalogueError as e:
            ctx.emit({"ok": False, "problems": e.problems}, str(e))
            return 1
        ctx.emit({"ok": True, "version": cat.version, "items": len(cat.items)},
                 f"catalogue OK: version {cat.version}, {len(cat.items)} items, "
                 f"{len(cat.themes)} themes")
        return 0
    store = open_store(ctx.config)
    try:
        store.load()
    except CatalogueError as e:
        ctx.emit({"ok": False, "problems": e.problems}, str(e))
        return 1
    service = CatalogueService(store)
    cat = service.catalogue
    if args.action == "info":
        kinds = collections.Counter(i.kind for i in cat.items)
        data = {"version": cat.version, "origin": store.origin, "items": len(cat.items),
                "themes": len(cat.themes), "kinds": dict(kinds),
                "cross_province": sum(1 for i in cat.items if i.cross_province)}
        ctx.emit(data, "\n".join(f"{k}: {v}" for k, v in data.items()))
        return 0
    hits = service.index().search(args.arg or "", 20)
    rows = []
    for h in hits:
        name = (cat.theme(h.target_id).name if h.is_theme else cat.item(h.target_id).name).zh_CN
        rows.append({"id": h.target_id, "name": name, "tier": h.tier, "matched": h.matched})
    ctx.emit(rows, "\n".join(f"{r['id']:<22} {r['name']}  ({r['matched']})" for r in rows)
             or "no match")
    return 0
