"""The diagnostic bundle: one zip a technician takes away on a USB drive.

Contents: ``manifest.json`` (what, when, which terminal, versions), ``selftest.json``,
``config.json`` (secrets removed), ``staff.json`` (ids and roles, no PIN hashes),
``devices.json``, ``queue.json``, ``audit.json`` (chain verification + recent entries, already
masked) and ``logs/kiosk.jsonl`` (recent lines). Every text member is passed through
:func:`kiosk.privacy.redact_text` as it is written — a last net for personal data.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from kiosk import audit as audit_log
from kiosk.diag import logview, snapshot
from kiosk.diag.checks import CheckContext, CheckRun, run_all
from kiosk.diag.export import target_path, write_atomically
from kiosk.privacy import redact_text

AUDIT_TAIL = 200


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _staff_summary(ctx: CheckContext) -> Any:
    from kiosk.staff.directory import StaffFileError
    from kiosk.staff.factory import staff_file

    if ctx.config is None:
        return {"error": "configuration not loaded"}
    try:
        return [{"id": m.id, "role": str(m.role), "enabled": m.enabled} for m in staff_file(ctx.config).members()]
    except StaffFileError as e:
        return {"error": str(e)}


def _audit(ctx: CheckContext) -> Any:
    if ctx.config is None:
        return {"error": "configuration not loaded"}
    path = ctx.config.path(ctx.config.paths.log_dir) / audit_log.AUDIT_FILE_NAME
    result = audit_log.verify(path).as_dict()
    tail: list[Any] = []
    if path.exists():
        for line in path.read_text("utf-8", errors="replace").splitlines()[-AUDIT_TAIL:]:
            try:
                tail.append(json.loads(line))
            except ValueError:
                tail.append({"unparseable": line[:200]})
    return {"verify": result, "recent": tail}


def build_members(ctx: CheckContext, runs: list[CheckRun] | None = None) -> dict[str, str]:
    """Name → text of every member (masked on the way in)."""
    runs = run_all(ctx) if runs is None else runs
    cfg = ctx.config
    log_lines: list[str] = []
    if cfg is not None:
        log_lines = logview.recent_lines(cfg.path(cfg.paths.log_dir), cfg.diag.bundle_log_lines)
    members = {
        "selftest.json": _json({"ok": all(r.result.ok for r in runs), "checks": [r.as_dict() for r in runs]}),
        "config.json": _json(snapshot.config_without_secrets(cfg)),
        "staff.json": _json(_staff_summary(ctx)),
        "devices.json": _json(snapshot.device_status(ctx)),
        "queue.json": _json(snapshot.queue_status(ctx)),
        "audit.json": _json(_audit(ctx)),
        "logs/kiosk.jsonl": "\n".join(log_lines) + ("\n" if log_lines else ""),
    }
    manifest = {
        "kind": "kiosk diagnostic bundle",
        "generated": snapshot.generated_at(),
        "terminal": cfg.terminal.id if cfg else None,
        "profile": cfg.profile if cfg else None,
        "versions": snapshot.versions(ctx),
        "members": sorted(members),
        "log_lines": len(log_lines),
    }
    members["manifest.json"] = _json(manifest)
    return {name: redact_text(text) for name, text in members.items()}


def write_bundle(ctx: CheckContext, out: Path, runs: list[CheckRun] | None = None) -> Path:
    """Write the zip to ``out`` (a file, or a directory such as a USB mount); returns the path."""
    members = build_members(ctx, runs)
    terminal = ctx.config.terminal.id if ctx.config else "unknown"
    path = target_path(out, terminal, "diag", ".zip")

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name in sorted(members):
                z.writestr(name, members[name].encode("utf-8"))

    return write_atomically(path, write)


def read_bundle(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name).decode("utf-8") for name in z.namelist()}
