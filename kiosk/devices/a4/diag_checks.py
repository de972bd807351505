"""Self-test checks of the A4 printer (CUPS queue): ``a4_status`` and, on demand (it uses
paper), ``a4_test_page`` — the sample certificate of ``kiosk-diag printer test-a4``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.base import CancelToken, Completion
from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.diag.device_support import DeviceDisabled, failure_result, run_on_device
from kiosk.i18n import tr

TIMEOUT_S = 60.0
TEST_TEMPLATE = "social_insurance_payment"



def _build(ctx: CheckContext) -> Callable[[], tuple[Any, Callable[[], None]]]:
    def build() -> tuple[Any, Callable[[], None]]:
        from kiosk.devices.a4 import create_a4_printer

        printer, _ = create_a4_printer(ctx.require_config())
        if printer is None:
            raise DeviceDisabled
        return printer, lambda: None

    return build


def _run(ctx: CheckContext, job: Callable[[Any, CancelToken], Completion[Any]]) -> Completion[Any] | None:
    try:
        return run_on_device(ctx, "a4", TIMEOUT_S, job, _build(ctx))
    except DeviceDisabled:
        return None


def check_status(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, lambda printer, token: printer.refresh_status(token))
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "A4P-001")
    return passed(tr("diag.sum_a4_ready"))


def check_test_page(ctx: CheckContext) -> CheckResult:
    from kiosk.devices.a4 import TemplateError, load_template, render_certificate

    cfg = ctx.require_config()
    reference = "VR" + time.strftime("%Y%m%d%H%M%S")
    try:
        tpl = load_template(TEST_TEMPLATE)
        pdf = render_certificate(tpl.id, tpl.sample, reference=reference,
                                 verify_url=cfg.devices.a4.verify_url_template.format(reference=reference),
                                 issuer=cfg.devices.a4.issuer)
    except TemplateError as e:
        return failed("A4P-020", tr("diag.sum_device_failed", outcome="template"), str(e))
    result = _run(ctx, lambda printer, token: printer.print_pdf(pdf, "kiosk-diag-test-page", token))
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "A4P-001")
    return passed(tr("diag.sum_a4_printed", job=getattr(result.value, "job_id", "?")),
                  job_id=getattr(result.value, "job_id", None), state=getattr(result.value, "state", None))


CHECKS = [
    Check("a4_status", "diag.check_a4_status", check_status, group="device", timeout_s=TIMEOUT_S + 4,
          resource="a4"),
    Check("a4_test_page", "diag.check_a4_test_page", check_test_page, group="print", timeout_s=TIMEOUT_S + 4,
          resource="a4", on_demand=True),
]
