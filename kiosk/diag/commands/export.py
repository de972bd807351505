"""``kiosk-diag bundle --out PATH`` and ``kiosk-diag report --out PATH``: export the diagnostic
bundle (zip) or the readiness report (PDF) to a file or a directory such as a USB mount point.
Both run the self-test first; both are written to the audit log."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kiosk import audit as audit_log
from kiosk.diag import bundle, checks, report
from kiosk.diag.export import ExportError


def register(sub: Any) -> None:
    for name, help_text in (("bundle", "export a diagnostic bundle (zip)"),
                            ("report", "export the readiness report (PDF)")):
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        p.add_argument("--out", type=Path, required=True, help="file, or a directory (USB mount)")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=run, export_kind=name)


def cli_actor() -> str:
    try:
        return f"cli:{os.getlogin()}"
    except OSError:
        return f"cli:{os.getuid()}"


def run(args: argparse.Namespace, ctx: Any) -> int:
    check_ctx = checks.context_from_config(lambda: ctx.config)
    runs = checks.run_all(check_ctx)
    try:
        if args.export_kind == "bundle":
            path = bundle.write_bundle(check_ctx, args.out, runs)
        else:
            path = report.write_report(check_ctx, args.out, runs)
    except ExportError as e:
        print(f"kiosk-diag: {e}", file=sys.stderr)
        return 1
    if check_ctx.config is not None:
        audit_log.configure(check_ctx.config.path(check_ctx.config.paths.log_dir) / audit_log.AUDIT_FILE_NAME)
        audit_log.audit(f"diag.{args.export_kind}_export", actor=cli_actor(), file=path.name)
    ok = all(r.result.ok for r in runs)
    ctx.emit({"path": str(path), "selftest_ok": ok}, f"written {path} (self-test {'passed' if ok else 'FAILED'})")
    return 0
