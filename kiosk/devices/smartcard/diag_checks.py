"""Self-test check of the PC/SC card reader: ``card_reader`` finds the configured reader under
pcscd and reports the ATR of a card in it. It opens its own PC/SC context and only watches the
reader state (no card session), so it is safe while the kiosk's own driver holds the reader."""

from __future__ import annotations

from typing import Any

from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.i18n import current_language, tr


def _fault_result(fault: Any) -> CheckResult:
    code = fault.code
    summary = code.meaning_zh if current_language() == "zh_CN" else code.meaning_en
    return failed(code.code, summary, fault.detail)


def check_reader(ctx: CheckContext) -> CheckResult:
    from smartcard import scard

    from kiosk.devices.smartcard import pcscd
    from kiosk.devices.smartcard.errors import NO_READER, READER_GONE, CardFault
    from kiosk.devices.smartcard.factory import SIMULATOR_READER
    from kiosk.devices.smartcard.transport import (
        choose_reader,
        establish_context,
        list_readers,
        release_context,
    )

    sc = ctx.require_config().devices.smartcard
    if sc.mode == "disabled":
        return passed(tr("diag.sum_device_disabled"))
    if sc.mode == "simulator" and sc.start_pcscd:
        pcscd.ensure_daemon()
    wanted = sc.reader or (SIMULATOR_READER if sc.mode == "simulator" else "")
    try:
        context = establish_context()
    except CardFault as f:
        return _fault_result(f)
    try:
        try:
            readers = list_readers(context)
        except CardFault as f:
            return _fault_result(f)
        reader = choose_reader(readers, wanted)
        if reader is None:
            code = READER_GONE if wanted else NO_READER
            return failed(code.code, code.meaning_zh if current_language() == "zh_CN" else code.meaning_en,
                          f"wanted {wanted!r}, found {readers}")
        hr, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hr != scard.SCARD_S_SUCCESS or not states:
            return failed("PCS-090", tr("diag.sum_device_failed", outcome=f"SCardGetStatusChange {hr:#x}"))
        _name, state, atr = states[0]
        present = bool(state & scard.SCARD_STATE_PRESENT)
        if not present:
            return passed(tr("diag.sum_card_reader_empty", reader=reader), reader=reader, card_present=False)
        atr_hex = bytes(atr).hex().upper()
        return passed(tr("diag.sum_card_reader_atr", reader=reader, atr=atr_hex), reader=reader,
                      card_present=True, atr=atr_hex)
    finally:
        release_context(context)


CHECKS = [Check("card_reader", "diag.check_card_reader", check_reader, group="device", timeout_s=15.0,
                resource="smartcard")]
