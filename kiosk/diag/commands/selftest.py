"""``kiosk-diag selftest [--json] [--only ID|GROUP …] [--list]``: run every check; exit 1 on a failure.

Exit codes: 0 all passed, 1 at least one check failed (a bad configuration is a failed check).
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.diag import checks
from kiosk.i18n import CATALOGUE, LANGUAGES, tr


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("selftest", help="run all self-test checks")
    p.add_argument("--only", nargs="+", default=None, metavar="ID", help="check ids or groups to run")
    p.add_argument("--list", action="store_true", help="list the checks without running them")
    p.add_argument("--lang", choices=LANGUAGES, default=None, help="language of the summaries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _context(args: argparse.Namespace, ctx: Any) -> checks.CheckContext:
    return checks.context_from_config(lambda: ctx.config)


def run(args: argparse.Namespace, ctx: Any) -> int:
    if args.lang:
        CATALOGUE.set_language(args.lang)
    registry = checks.discover()
    if args.list:
        ctx.emit([{"id": c.id, "group": c.group, "title": tr(c.title_key)} for c in registry],
                 "\n".join(f"{c.id:<18} {c.group:<8} {tr(c.title_key)}" for c in registry))
        return 0
    runs = checks.run_all(_context(args, ctx), registry, args.only)
    failures = [r for r in runs if not r.result.ok]
    lines = []
    for r in runs:
        mark = "PASS" if r.result.ok else "FAIL"
        code = f" [{r.result.error_code}]" if r.result.error_code else ""
        lines.append(f"{mark} {r.check.id:<18} {tr(r.check.title_key)}: {r.result.summary}{code} "
                     f"({r.result.duration_ms:.0f} ms)")
        if not r.result.ok and r.result.detail:
            lines.append(f"     {r.result.detail}")
    lines.append(f"{len(runs) - len(failures)}/{len(runs)} passed")
    ctx.emit({"ok": not failures, "checks": [r.as_dict() for r in runs]}, "\n".join(lines))
    return 1 if failures else 0
