"""Self-test checks of the ID-card reader (found by :func:`kiosk.diag.checks.discover`):
``idcard_sam`` reads the SAM id; ``idcard_read`` does a test read when a card lies on the reader
(nothing personal is reported: the card type and the time taken)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.devices.base import CancelToken, Completion
from kiosk.devices.idcard.driver import IdCardReader
from kiosk.diag.checks import Check, CheckContext, CheckResult, passed
from kiosk.diag.device_support import DeviceDisabled, failure_result, run_on_device
from kiosk.i18n import tr

TIMEOUT_S = 8.0


def _build(ctx: CheckContext) -> Callable[[], tuple[Any, Callable[[], None]]]:
    def build() -> tuple[Any, Callable[[], None]]:
        from kiosk.devices.idcard.factory import create_idcard_reader

        reader, sim = create_idcard_reader(ctx.require_config())
        if reader is None:
            raise DeviceDisabled
        return reader, (sim.stop if sim is not None else (lambda: None))

    return build



def _run(ctx: CheckContext, job: Callable[[IdCardReader, CancelToken], Completion[Any]]) -> Completion[Any] | None:
    try:
        return run_on_device(ctx, "idcard", TIMEOUT_S, job, _build(ctx))
    except DeviceDisabled:
        return None


def check_sam(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, lambda reader, token: reader.read_sam_id(token))
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "IDR-080")
    return passed(tr("diag.sum_idcard_sam", sam=result.value), sam_id=result.value)


def _test_read(reader: IdCardReader, token: CancelToken) -> Completion[Any]:
    found = reader.find_card(token)
    if not found.ok or not found.value:
        return found.map(lambda _: None)
    return reader.read_card(token).map(lambda read: {"card_type": str(read.identity.card_type),
                                                     "elapsed_ms": read.elapsed_ms})


def check_read(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, _test_read)
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok:
        return failure_result(result, "IDR-080")
    if result.value is None:
        return passed(tr("diag.sum_idcard_no_card"), skipped=True)
    return passed(tr("diag.sum_idcard_read_ok", ms=result.value["elapsed_ms"]), **result.value)


CHECKS = [
    Check("idcard_sam", "diag.check_idcard_sam", check_sam, group="device", timeout_s=TIMEOUT_S + 4,
          resource="idcard"),
    Check("idcard_read", "diag.check_idcard_read", check_read, group="device", timeout_s=TIMEOUT_S + 4,
          resource="idcard"),
]
