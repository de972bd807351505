"""Self-test checks of the receipt printer: ``receipt_status`` (paper, cover, cutter, link) and,
on demand (it uses paper), ``receipt_test_print`` — the sample receipt of ``kiosk-diag printer
test-receipt``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.devices.base import CancelToken, Completion, Outcome
from kiosk.diag.checks import Check, CheckContext, CheckResult, passed
from kiosk.diag.device_support import DeviceDisabled, failure_result, run_on_device
from kiosk.i18n import current_language, tr

TIMEOUT_S = 20.0



def _build(ctx: CheckContext) -> Callable[[], tuple[Any, Callable[[], None]]]:
    def build() -> tuple[Any, Callable[[], None]]:
        from kiosk.devices.printer import create_receipt_printer

        printer, sim = create_receipt_printer(ctx.require_config())
        if printer is None:
            raise DeviceDisabled
        return printer, (sim.stop if sim is not None else (lambda: None))

    return build


def _run(ctx: CheckContext, job: Callable[[Any, CancelToken], Completion[Any]]) -> Completion[Any] | None:
    from kiosk.devices.printer.profiles import ProfileError

    try:
        return run_on_device(ctx, "printer", TIMEOUT_S, job, _build(ctx))
    except DeviceDisabled:
        return None
    except ProfileError as e:  # an unknown printer model in the configuration
        return Completion.failure(Outcome.HARDWARE_ERROR, "PRN-004", None, str(e))


def check_status(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, lambda printer, token: printer.check_ready(token))
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "PRN-001")
    return passed(tr("diag.sum_printer_ready"))


def check_test_print(ctx: CheckContext) -> CheckResult:
    from kiosk.devices.printer import sample_receipt

    cfg = ctx.require_config()
    data = sample_receipt(cfg.terminal.id, cfg.terminal.branch_name, cfg.devices.printer.status_url_template)
    language = current_language()
    result = _run(ctx, lambda printer, token: printer.print_receipt(data, token, language=language))
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "PRN-001")
    report = result.value
    return passed(tr("diag.sum_printer_printed", bytes=getattr(report, "bytes_sent", 0)),
                  bytes=getattr(report, "bytes_sent", 0), seconds=round(getattr(report, "seconds", 0.0), 3))


CHECKS = [
    Check("receipt_status", "diag.check_receipt_status", check_status, group="device",
          timeout_s=TIMEOUT_S + 4, resource="printer"),
    Check("receipt_test_print", "diag.check_receipt_test_print", check_test_print, group="print",
          timeout_s=TIMEOUT_S + 4, resource="printer", on_demand=True),
]
