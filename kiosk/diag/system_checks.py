"""Core self-test checks of the machine itself: configuration, staff file, disks, logs, audit."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kiosk import audit as audit_log
from kiosk.diag import codes
from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.i18n import tr

MB = 1024 * 1024


def check_config(ctx: CheckContext) -> CheckResult:
    if ctx.config is None:
        return failed(codes.CONFIG_INVALID, tr("diag.sum_config_bad"), ctx.config_error or "")
    return passed(tr("diag.sum_config_ok", profile=ctx.config.profile), profile=ctx.config.profile)


def check_staff_file(ctx: CheckContext) -> CheckResult:
    from kiosk.staff.directory import Role, StaffFileError
    from kiosk.staff.factory import staff_file

    cfg = ctx.require_config()
    try:
        directory = staff_file(cfg)
    except StaffFileError as e:
        return failed("STF-008", tr("diag.sum_staff_bad"), str(e))
    members = [m for m in directory.members() if m.enabled]
    managers = sum(m.role is Role.MANAGER for m in members)
    technicians = sum(m.role is Role.TECHNICIAN for m in members)
    if not members:
        return failed("STF-008", tr("diag.sum_staff_empty"), str(cfg.path(cfg.staff.staff_file)))
    return passed(tr("diag.sum_staff_ok", managers=managers, technicians=technicians),
                  managers=managers, technicians=technicians)


def _existing_ancestor(path: Path) -> Path:
    """A directory not made yet is measured on the file system it will live on."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _disk(ctx: CheckContext, which: str) -> CheckResult:
    cfg = ctx.require_config()
    path = cfg.path(cfg.paths.data_dir if which == "data" else cfg.paths.log_dir)
    try:
        usage = ctx.disk_usage(_existing_ancestor(path))
    except OSError as e:
        return failed(codes.DISK_LOW, tr("diag.sum_disk_unknown"), f"{path}: {e.strerror}")
    free_mb = usage.free // MB
    need_mb = cfg.diag.min_free_mb
    data = {"path": str(path), "free_mb": free_mb, "total_mb": usage.total // MB, "min_free_mb": need_mb}
    if free_mb < need_mb:
        return failed(codes.DISK_LOW, tr("diag.sum_disk_low", free=free_mb, need=need_mb), str(path), **data)
    return passed(tr("diag.sum_disk_ok", free=free_mb), str(path), **data)


def check_disk_data(ctx: CheckContext) -> CheckResult:
    return _disk(ctx, "data")


def check_disk_log(ctx: CheckContext) -> CheckResult:
    return _disk(ctx, "log")


def check_log_writable(ctx: CheckContext) -> CheckResult:
    cfg = ctx.require_config()
    log_dir = cfg.path(cfg.paths.log_dir)
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".diag-write-", dir=log_dir)
        try:
            os.write(fd, b"diag write test\n")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as e:
        return failed(codes.LOG_NOT_WRITABLE, tr("diag.sum_log_not_writable"),
                      f"{log_dir}: {e.strerror or e}")
    return passed(tr("diag.sum_log_writable"), str(log_dir))


def check_audit_chain(ctx: CheckContext) -> CheckResult:
    cfg = ctx.require_config()
    path = cfg.path(cfg.paths.log_dir) / audit_log.AUDIT_FILE_NAME
    result = audit_log.verify(path)
    if not result.ok:
        return failed(codes.AUDIT_BROKEN, tr("diag.sum_audit_bad", line=result.first_bad_line),
                      f"{path}: line {result.first_bad_line}: {result.problem}", **result.as_dict())
    return passed(tr("diag.sum_audit_ok", n=result.entries), str(path), **result.as_dict())


CHECKS = [
    Check("config", "diag.check_config", check_config),
    Check("staff_file", "diag.check_staff_file", check_staff_file),
    Check("disk_data", "diag.check_disk_data", check_disk_data),
    Check("disk_log", "diag.check_disk_log", check_disk_log),
    Check("log_writable", "diag.check_log_writable", check_log_writable),
    Check("audit_chain", "diag.check_audit_chain", check_audit_chain),
]
