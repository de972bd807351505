"""Helpers for device self-test checks (``kiosk/devices/<pkg>/diag_checks.py``).

A device check must use the device the way its owner does: inside the app the device belongs to
its :class:`~kiosk.devices.runner.DeviceRunner` thread, so the check submits a job to it (found as
``ctx.devices[name].runner``); from the command line no app runs, so the check builds the device
itself (in simulator mode that starts the simulator), opens it, runs, and closes it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from kiosk.devices import errors
from kiosk.devices.base import CancelToken, Completion, Outcome
from kiosk.diag.checks import CheckContext, CheckResult, failed
from kiosk.i18n import current_language, tr

T = TypeVar("T")


class DeviceDisabled(Exception):
    """Raised by a device check's ``build()`` when the configuration disables the device."""


def run_on_device(ctx: CheckContext, name: str, timeout_s: float,
                  job: Callable[[Any, CancelToken], Completion[T]],
                  build: Callable[[], tuple[Any, Callable[[], None]]]) -> Completion[T]:
    """Run ``job(device, token)`` on the app's runner for ``name`` or on a device from ``build()``
    (which returns the device and a clean-up function)."""
    bridge = ctx.devices.get(name)
    runner = getattr(bridge, "runner", None)
    if runner is not None:
        return runner.submit(lambda token: job(runner.device, token), timeout_s=timeout_s,
                             label=f"diag-{name}").result(timeout_s + 1.0)
    device, cleanup = build()
    try:
        opened: Completion[Any] = device.open()
        if not opened.ok:
            return Completion(opened.outcome, None, opened.error_code, opened.message_key, opened.detail)
        return job(device, CancelToken())
    finally:
        try:
            device.close()
        finally:
            cleanup()


def failure_result(result: Completion[Any], fallback_code: str) -> CheckResult:
    """A failed completion as a check result, worded by its registered error code."""
    code = result.error_code or fallback_code
    entry = errors.lookup(code)
    if entry is not None:
        summary = entry.meaning_zh if current_language() == "zh_CN" else entry.meaning_en
    else:
        summary = tr("diag.sum_device_failed", outcome=str(result.outcome))
    if result.outcome is Outcome.TIMEOUT and entry is None:
        summary = tr("diag.sum_timeout", seconds="?")
    return failed(code, summary, result.detail)
