"""The assisted-mode reprint (补打) over the kept receipts and the real receipt printer.

:class:`PrinterReprints` is the :class:`~kiosk.staff.assisted.ReceiptPort`: it looks the reference
up in the :class:`~kiosk.staff.reprints.ReceiptHistory` the journeys fill, and prints the slip
again — as a job on the receipt printer's own device thread, marked as a reprint — waiting for the
job on the caller's thread (a staff worker, never the UI thread). A failed reprint keeps the
receipt, so it can be tried again once the paper is in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kiosk.devices.base import CancelToken, Completion, Outcome
from kiosk.privacy import mask_reference
from kiosk.staff.assisted import MaskedQueueEntry
from kiosk.staff.reprints import KeptReceipt, ReceiptHistory, reprint_time

log = logging.getLogger(__name__)

UNKNOWN_RECEIPT = "STF-012"
NO_PRINTER = "STF-013"
FENCE_TIMEOUT = "PRN-051"  # kiosk.devices.printer.errors (not imported: the package is heavy)
REPRINT_TIMEOUT_S = 60.0


def _message_key(code: str) -> str:
    return f"printer.status.{code.replace('-', '_')}" if code.startswith("PRN-") else "staff.err_no_printer"


def summary(kept: KeptReceipt) -> MaskedQueueEntry:
    """One row of the assisted screen's list (the data is masked already)."""
    d = kept.data
    return MaskedQueueEntry(application_id="", reference=d.reference, item_name=d.item_name,
                            state=d.state, attempts=0, last_error="", applicant=d.holder_name,
                            id_number=d.id_number, created=d.issued_at.strftime("%m-%d %H:%M"))


class PrinterReprints:
    """``printer``: the receipt printer's device bridge (anything with ``.runner``), or None while
    the devices are still being built or the printer is disabled."""

    def __init__(self, history: ReceiptHistory, printer: Callable[[], Any], *,
                 timeout_s: float = REPRINT_TIMEOUT_S,
                 clock: Callable[[], datetime] = reprint_time) -> None:
        self.history = history
        self.printer = printer
        self.timeout_s = timeout_s
        self.clock = clock

    def recent(self) -> Sequence[MaskedQueueEntry]:
        return [summary(k) for k in self.history.recent()]

    def reprint(self, reference: str, staff_id: str) -> Completion[None]:
        masked_ref = mask_reference(reference)
        kept = self.history.get(reference)
        if kept is None:
            log.info("reprint: receipt not kept", extra={"fields": {"reference": masked_ref}})
            return Completion.failure(Outcome.USER_ERROR, UNKNOWN_RECEIPT, "staff.err_receipt_unknown",
                                      "reference not kept on this kiosk")
        bridge = self.printer()
        runner = getattr(bridge, "runner", None)
        if runner is None:
            log.warning("reprint: no receipt printer", extra={"fields": {"reference": masked_ref}})
            return Completion.failure(Outcome.NOT_READY, NO_PRINTER, "staff.err_no_printer", "printer not wired")
        device = runner.device
        at = self.clock()

        def job(token: CancelToken) -> Completion[Any]:
            result: Completion[Any] = device.print_receipt(kept.data, token, language=kept.language,
                                                           reprinted_at=at)
            return result

        done = runner.submit(job, timeout_s=self.timeout_s, label="receipt reprint").result(self.timeout_s + 5)
        if not done.ok:
            log.warning("reprint failed", extra={"fields": {"reference": masked_ref, "staff": staff_id,
                                                            "error_code": done.error_code,
                                                            "outcome": str(done.outcome)}})
            code = done.error_code or (FENCE_TIMEOUT if done.outcome is Outcome.TIMEOUT else NO_PRINTER)
            return Completion.failure(done.outcome, code, done.message_key or _message_key(code), done.detail)
        log.info("receipt reprinted", extra={"fields": {"reference": masked_ref, "staff": staff_id}})
        return Completion.success(None)
