"""From a journey's receipt to the receipt printer's job data (kiosk.devices.printer).

The printer lays out one application per slip and masks the name and ID number itself, so each
entry of a journey's receipt (a theme has several) becomes one printer receipt. Pure; the
composition root calls it inside its PrintGateway adapter.
"""

from __future__ import annotations

import datetime as dt

from kiosk.devices.printer.layout import ReceiptData as PrinterReceipt
from kiosk.journeys.gateways import ReceiptData
from kiosk.journeys.identity import Identity


def printer_receipts(receipt: ReceiptData, identity: Identity, *, terminal_id: str, branch: str,
                     status_url_template: str, language: str = "zh_CN") -> list[PrinterReceipt]:
    issued = dt.datetime.strptime(receipt.printed_at, "%Y-%m-%d %H:%M")
    next_steps = "；".join(s.get(language) for s in receipt.next_steps) or None
    out = []
    for entry in receipt.entries:
        name = entry.item_name.get(language)
        if receipt.appointment:
            name = f"{name}（{receipt.appointment}）"
        out.append(PrinterReceipt(
            terminal_id=terminal_id, branch=branch, item_name=name,
            holder_name=identity.name, id_number=identity.id_number, reference=entry.reference,
            issued_at=issued, state="queued" if entry.queued else "delivered",
            status_url=status_url_template.format(reference=entry.reference),
            next_steps=next_steps))
    return out
