"""Bank-card read time against the virtual card on the real PC/SC stack (pcscd + vpcd).

What is measured, per card (each read = a whole ``SmartCardReader.read_bank_card`` call on the
calling thread: SCardEstablishContext + exclusive SCardConnect + transaction, PSE/PPSE, SELECT AID,
GPO, AFL records, SCardDisconnect(reset) + release):
- read_ms: wall time of one read (median, p95 over N reads after warm-up);
- apdus: APDUs on the wire per read (GET RESPONSE and 6Cxx resends included);
- apdu_rtt_ms: time inside SCardTransmit per APDU (median) — pyscard → pcscd → vpcd → virtual card;
- session_ms: read time minus time in SCardTransmit (connect, transaction, disconnect, parsing).
A second baseline: the debit read with TCP_QUICKACK off in the virtual card's socket (vpcd's
length+payload segments then meet delayed ACKs), to show why the card program sets it.
Baseline in the same run: the identical read against the same virtual card object in-process
(no PC/SC, no sockets), i.e. the cost of our protocol code alone; ratio = PC/SC read / in-process.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.config import SmartCardConfig  # noqa: E402
from kiosk.devices.smartcard import emv, pcscd  # noqa: E402
from kiosk.devices.smartcard.apdu import ApduChannel  # noqa: E402
from kiosk.devices.smartcard.driver import SmartCardReader  # noqa: E402
from kiosk.devices.smartcard.vcard import VirtualCardController, link  # noqa: E402
from kiosk.devices.smartcard.vcard.catalogue import make_card  # noqa: E402

CARDS = ("unionpay_debit", "unionpay_contactless", "unionpay_t0")
READS = 40
WARMUP = 3


def _in_process_ms(card_name: str, contactless: bool) -> float:
    card = make_card(card_name)
    samples = []
    for _ in range(READS):
        card.power_on()
        channel = ApduChannel(lambda apdu: card.respond(apdu) or b"")
        start = time.perf_counter()
        emv.read_bank_card(channel, emv.TerminalParams(), contactless=contactless)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _wait_media(device: SmartCardReader, media: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while device.status.detail.get("media") != media:
        if time.monotonic() > deadline:
            raise RuntimeError(f"reader never showed media={media}")
        device.poll(None)  # type: ignore[arg-type]


def _measure(device: SmartCardReader, controller: VirtualCardController, card_name: str,
             reads_wanted: int = READS) -> dict[str, Any]:
    controller.insert(card_name)
    _wait_media(device, "present")
    reads, rtts, in_transmit = [], [], []
    apdus = 0
    for i in range(WARMUP + reads_wanted):
        start = time.perf_counter()
        result = device.read_bank_card()
        elapsed = (time.perf_counter() - start) * 1000
        if not result.ok or result.value is None:
            raise RuntimeError(f"{card_name}: {result}")
        stats = device.last_stats
        assert stats is not None
        if i >= WARMUP:
            reads.append(elapsed)
            rtts.extend(t * 1000 for t in stats.round_trips)
            in_transmit.append(stats.seconds * 1000)
            apdus = stats.apdus
    contactless = result.value.interface == "contactless"
    controller.remove()
    _wait_media(device, "absent")
    baseline = _in_process_ms(card_name, contactless)
    read_median = statistics.median(reads)
    return {
        "read_ms_median": round(read_median, 2),
        "read_ms_p95": round(sorted(reads)[int(len(reads) * 0.95) - 1], 2),
        "apdus": apdus,
        "apdu_rtt_ms_median": round(statistics.median(rtts), 3),
        "session_ms_median": round(read_median - statistics.median(in_transmit), 2),
        "in_process_baseline_ms": round(baseline, 3),
        "ratio_vs_in_process": round(read_median / baseline, 1),
    }


def main() -> dict[str, Any]:
    missing = pcscd.missing_binaries()
    if missing:
        print(f"skipped: {missing}")
        return {"skipped": missing}
    results: dict[str, Any] = {"reads_per_card": READS}
    with tempfile.TemporaryDirectory() as tmp, pcscd.virtual_stack(Path(tmp)) as stack:
        device = SmartCardReader(SmartCardConfig(reader=stack.reader, auto_identify=False))
        opened = device.open()
        if not opened.ok:
            raise RuntimeError(f"reader did not open: {opened}")
        controller = VirtualCardController("127.0.0.1", stack.port)
        try:
            for name in CARDS:
                results[name] = _measure(device, controller, name)
            link.QUICKACK = False
            try:
                slow = _measure(device, controller, "unionpay_debit", reads_wanted=5)
            finally:
                link.QUICKACK = True
            results["unionpay_debit_without_quickack"] = slow
        finally:
            controller.remove()
            device.close()
    for name in CARDS:
        r = results[name]
        print(f"{name:22s} read {r['read_ms_median']:7.2f} ms (p95 {r['read_ms_p95']:.2f}), "
              f"{r['apdus']:2d} APDUs, {r['apdu_rtt_ms_median']:.3f} ms/APDU, session {r['session_ms_median']:.2f} ms, "
              f"{r['ratio_vs_in_process']}x the in-process read ({r['in_process_baseline_ms']:.3f} ms)")
    slow = results["unionpay_debit_without_quickack"]
    print(f"without TCP_QUICKACK: debit read {slow['read_ms_median']:.1f} ms, {slow['apdu_rtt_ms_median']:.1f} ms/APDU "
          f"= {slow['read_ms_median'] / results['unionpay_debit']['read_ms_median']:.0f}x slower")
    out = ROOT / "bench" / "results" / "bench_smartcard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
