"""The self-test check registry, shared by ``kiosk-diag selftest`` and the diagnostics screens.

A :class:`Check` has an id, a title key (``tr()``), and ``run(ctx) -> CheckResult``; it runs on
its own daemon thread with a timeout, so a hung device or network call fails that one check
("timed out") instead of the whole self-test. Expected failures are returned as results with a
numbered error code; an exception inside a check is caught and reported as CFG-094.

Registration hook: the core checks live in :mod:`kiosk.diag.system_checks` and
:mod:`kiosk.diag.platform_check`. Any package ``kiosk.<pkg>`` or device package
``kiosk.devices.<pkg>`` may add a module ``diag_checks.py`` defining ``CHECKS: list[Check]`` — it is
found on disk and imported by :func:`discover` (the same idea as the CLI's command modules), so
adding a device needs no edit here.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from kiosk.config import KioskConfig
from kiosk.diag import codes
from kiosk.i18n import tr

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    summary: str  # one line for the technician (in the current UI language)
    detail: str = ""  # technical detail (never personal data)
    error_code: str | None = None
    duration_ms: float = 0.0
    data: Mapping[str, Any] = field(default_factory=dict)  # measured values (latency, free MB …)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["data"] = dict(self.data)
        return d


def passed(summary: str, detail: str = "", **data: Any) -> CheckResult:
    return CheckResult(True, summary, detail, None, 0.0, data)


def failed(code: str, summary: str, detail: str = "", **data: Any) -> CheckResult:
    return CheckResult(False, summary, detail, code, 0.0, data)


@dataclass
class CheckContext:
    """What a check may use. Inside the app ``devices`` holds the live device objects/bridges;
    from the CLI it is empty and device checks open their device themselves (or skip)."""

    config: KioskConfig | None
    config_error: str | None = None
    disk_usage: Callable[[Path], DiskUsage] = field(
        default=lambda p: DiskUsage(*shutil.disk_usage(p)))
    devices: Mapping[str, Any] = field(default_factory=dict)
    services: Mapping[str, Any] = field(default_factory=dict)  # queue, printer jobs … by name
    ssl_context: Any = None  # an ssl.SSLContext to use instead of the default (tests, pinned CA)

    def require_config(self) -> KioskConfig:
        if self.config is None:
            raise MissingConfig(self.config_error or "configuration not loaded")
        return self.config


class MissingConfig(Exception):
    pass


@dataclass(frozen=True)
class Check:
    id: str
    title_key: str
    run: Callable[[CheckContext], CheckResult]
    group: str = "system"  # system | network | device | queue
    timeout_s: float | None = None  # None: diag.check_timeout_s from the configuration
    # Checks naming the same resource (a device, a port) run one after another, never together.
    resource: str | None = None
    # Checks that consume something (paper) run only when asked for by id or group, never in a
    # plain "run everything".
    on_demand: bool = False


@dataclass(frozen=True)
class CheckRun:
    check: Check
    result: CheckResult

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.check.id, "title_key": self.check.title_key, "group": self.check.group,
                **self.result.as_dict()}


def _core_checks() -> list[Check]:
    from kiosk.diag import platform_check, system_checks

    return [*system_checks.CHECKS, *platform_check.CHECKS]


def _plugin_modules(packages: Sequence[ModuleType] | None = None) -> list[str]:
    """Names of ``diag_checks`` modules under kiosk.* and kiosk.devices.*, found on disk."""
    if packages is None:
        import kiosk
        import kiosk.devices

        packages = (kiosk, kiosk.devices)
    names = []
    for base_pkg in packages:
        for root in base_pkg.__path__:
            for child in sorted(Path(root).iterdir()):
                if child.is_dir() and (child / "diag_checks.py").is_file() and (child / "__init__.py").exists():
                    names.append(f"{base_pkg.__name__}.{child.name}.diag_checks")
    return names


def discover(packages: Sequence[ModuleType] | None = None) -> list[Check]:
    """All checks: the core ones, then each package's ``diag_checks.CHECKS``."""
    found = _core_checks()
    for name in _plugin_modules(packages):
        try:
            module = importlib.import_module(name)
        except Exception as e:  # a broken plug-in must not hide the other checks
            log.exception("diag check module failed to import", extra={"fields": {"module": name}})
            found.append(_broken_module(name, e))
            continue
        found.extend(getattr(module, "CHECKS", []))
    ids = [c.id for c in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"diagnostic check ids registered twice: {sorted(dupes)}")
    return found


def _broken_module(name: str, error: Exception) -> Check:
    def run(ctx: CheckContext) -> CheckResult:
        return failed(codes.CHECK_CRASHED, tr("diag.sum_crashed"), f"{name}: {type(error).__name__}: {error}")

    return Check(f"load:{name}", "diag.check_config", run)


def run_check(check: Check, ctx: CheckContext) -> CheckResult:
    """Run one check on a daemon thread; give up after its timeout."""
    timeout = check.timeout_s
    if timeout is None:
        timeout = ctx.config.diag.check_timeout_s if ctx.config is not None else DEFAULT_TIMEOUT_S
    box: list[CheckResult] = []

    def target() -> None:
        try:
            box.append(check.run(ctx))
        except MissingConfig as e:
            box.append(failed(codes.CONFIG_INVALID, tr("diag.sum_no_config"), str(e)))
        except Exception as e:
            log.exception("diag check crashed", extra={"fields": {"check": check.id}})
            box.append(failed(codes.CHECK_CRASHED, tr("diag.sum_crashed"), f"{type(e).__name__}: {e}"))

    started = time.perf_counter()
    # Daemon: a check stuck in a driver call is abandoned, not waited for at exit.
    worker = threading.Thread(target=target, name=f"diag-{check.id}", daemon=True)
    worker.start()
    worker.join(timeout)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not box:
        return CheckResult(False, tr("diag.sum_timeout", seconds=f"{timeout:g}"), "",
                           codes.CHECK_TIMEOUT, round(elapsed_ms, 1))
    return replace(box[0], duration_ms=round(elapsed_ms, 1))


def run_all(ctx: CheckContext, checks: Iterable[Check] | None = None,
            only: Sequence[str] | None = None) -> list[CheckRun]:
    """Run the checks concurrently (each has its own thread and timeout), except that checks
    sharing a ``resource`` run in sequence; results keep the registry order."""
    selected = [c for c in (discover() if checks is None else list(checks))
                if ((c.id in only or c.group in only) if only else not c.on_demand)]
    results: dict[int, CheckResult] = {}
    lanes: dict[str, list[tuple[int, Check]]] = {}
    for i, c in enumerate(selected):
        lanes.setdefault(c.resource or f"#{i}", []).append((i, c))

    def lane(items: list[tuple[int, Check]]) -> None:
        for i, c in items:
            results[i] = run_check(c, ctx)

    threads = [threading.Thread(target=lane, args=(items,), name=f"diag-run-{key}", daemon=True)
               for key, items in lanes.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [CheckRun(c, results[i]) for i, c in enumerate(selected)]


def context_from_config(loader: Callable[[], KioskConfig]) -> CheckContext:
    """Build a context, keeping a configuration error as data (the config check reports it)."""
    from kiosk.config import ConfigError

    try:
        return CheckContext(loader())
    except ConfigError as e:
        return CheckContext(None, str(e))
