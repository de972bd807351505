"""Printing benchmarks.

1. A receipt job — lay out the receipt (template → ESC/POS) and send it through the production
   driver into the simulator over a pty at 115200 baud, status checks and the GS r 1 fence
   included — against the wire time of the receipt's ESC/POS bytes (10 bits a byte), measured in
   the same run. Budget: ≤ 1.3×.
2. A4 certificate render time (warm; the one-off font load is reported apart) and PDF size.
   Budget: ≤ 300 ms, ≤ 200 KB.

    python bench/bench_printing.py
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiosk.config import PrinterConfig  # noqa: E402
from kiosk.devices.a4.certificate import ensure_font, list_templates, load_template, render_certificate  # noqa: E402
from kiosk.devices.base import CancelToken  # noqa: E402
from kiosk.devices.printer import PrinterSimulator, ReceiptPrinter, get_profile, sample_receipt  # noqa: E402
from kiosk.devices.printer.layout import build_receipt  # noqa: E402

BAUD = 115200
RECEIPT_BUDGET = 1.3
CERT_MS_BUDGET = 300.0
CERT_KB_BUDGET = 200.0


def _serve_simulator(model: str, out_dir: str, conn: Any) -> None:
    """The simulator in its own process, like a printer is its own machine (no shared GIL)."""
    sim = PrinterSimulator(get_profile(model), baudrate=BAUD, output_dir=Path(out_dir)).start()
    conn.send(sim.port)
    while (count := conn.recv()) is not None:
        conn.send(sim.wait_for_receipts(count, 30))
    sim.stop()


def _raw_transfers(port: str, payload: bytes, rounds: int, conn: Any, done: int) -> list[float]:
    """Same-run floor: the bytes plus GS r 1 written straight to the port, no status checks."""
    import serial

    times: list[float] = []
    with serial.serial_for_url(port, baudrate=BAUD, timeout=5) as link:
        for _ in range(rounds):
            link.reset_input_buffer()
            t0 = time.perf_counter()
            link.write(payload + b"\x1d\x72\x01")
            if not link.read(1):
                raise SystemExit("no fence reply on the raw transfer")
            times.append(time.perf_counter() - t0)
            done += 1
            conn.send(done)
            conn.recv()
    return times


def bench_receipt(model: str, rounds: int, out_dir: Path) -> dict[str, Any]:
    profile = get_profile(model)
    config = PrinterConfig(model=model, baudrate=BAUD)
    data = sample_receipt()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve_simulator, args=(model, str(out_dir), child), daemon=True)
    proc.start()
    port = parent.recv()
    try:
        printer = ReceiptPrinter(config, profile, port=port)
        opened = printer.open()
        if not opened.ok:
            raise SystemExit(f"cannot open the simulated printer: {opened.error_code} {opened.detail}")
        elapsed: list[float] = []
        layout: list[float] = []
        wire: list[float] = []
        nbytes = 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            builder = build_receipt(data, profile)
            chunks = builder.chunks(config.chunk_bytes)
            t1 = time.perf_counter()
            result = printer.print_chunks(chunks, CancelToken())
            t2 = time.perf_counter()
            if not result.ok:
                raise SystemExit(f"print failed: {result.error_code} {result.detail}")
            nbytes = len(builder.build())
            # Let the simulator finish drawing this receipt (its own business, not the job's)
            # before the next job, so drawing does not compete for the CPU.
            parent.send(len(elapsed) + 1)
            if not parent.recv():
                raise SystemExit("the simulator did not cut the receipt")
            elapsed.append(t2 - t0)
            layout.append(t1 - t0)
            wire.append(nbytes * 10 / BAUD)
        printer.close()
        raw = _raw_transfers(port, builder.build(), rounds, parent, len(elapsed))
    finally:
        parent.send(None)
        proc.join(10)
    ratios = [e / w for e, w in zip(elapsed, wire, strict=True)]
    raw_ms = statistics.median(raw) * 1000
    return {"model": model, "paper_mm": profile.paper_mm, "native_qr": profile.native_qr, "rounds": rounds,
            "escpos_bytes": nbytes, "wire_ms": round(wire[0] * 1000, 2),
            "layout_ms_median": round(statistics.median(layout) * 1000, 2),
            "job_ms_median": round(statistics.median(elapsed) * 1000, 2),
            "job_ms_max": round(max(elapsed) * 1000, 2),
            "ratio_median": round(statistics.median(ratios), 3), "ratio_min": round(min(ratios), 3),
            "ratio_max": round(max(ratios), 3),
            "raw_transfer_ms_median": round(raw_ms, 2),
            "raw_transfer_ratio_to_wire": round(raw_ms / (wire[0] * 1000), 3),
            "driver_over_raw": round(statistics.median(elapsed) * 1000 / raw_ms, 3),
            "within_budget": statistics.median(ratios) <= RECEIPT_BUDGET}


def bench_certificate(template_id: str, rounds: int) -> dict[str, Any]:
    tpl = load_template(template_id)
    times: list[float] = []
    size = 0
    for i in range(rounds):
        t0 = time.perf_counter()
        pdf = render_certificate(tpl.id, tpl.sample, reference=f"VR{i:012d}",
                                 verify_url=f"https://gov-platform.example.invalid/verify/VR{i:012d}",
                                 issuer="演示支行", issued_at=datetime(2026, 11, 22, 10, 0))
        times.append(time.perf_counter() - t0)
        size = len(pdf)
    median_ms = statistics.median(times) * 1000
    return {"template": template_id, "rounds": rounds, "render_ms_median": round(median_ms, 1),
            "render_ms_max": round(max(times) * 1000, 1), "pdf_kb": round(size / 1024, 1),
            "within_budget": median_ms <= CERT_MS_BUDGET and size / 1024 <= CERT_KB_BUDGET}


def main(rounds: int = 20) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-receipts-") as tmp:
        receipts = [bench_receipt(m, rounds, Path(tmp)) for m in ("generic-58", "generic-80", "clone-58-raster")]
    t0 = time.perf_counter()
    ensure_font()
    font_ms = (time.perf_counter() - t0) * 1000
    certs = [bench_certificate(t, rounds) for t in list_templates()]
    results = {"baud": BAUD, "receipt_budget_ratio": RECEIPT_BUDGET, "receipts": receipts,
               "certificate_budget_ms": CERT_MS_BUDGET, "certificate_budget_kb": CERT_KB_BUDGET,
               "font_load_ms_once": round(font_ms, 1), "certificates": certs,
               "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    for r in receipts:
        print(f"receipt {r['model']:16} {r['escpos_bytes']:5d} B  wire {r['wire_ms']:7.2f} ms  "
              f"job {r['job_ms_median']:7.2f} ms (layout {r['layout_ms_median']:.2f})  "
              f"ratio {r['ratio_median']:.3f} (min {r['ratio_min']:.3f}, max {r['ratio_max']:.3f})  "
              f"budget {RECEIPT_BUDGET}x {'OK' if r['within_budget'] else 'OVER'}  | raw write+fence "
              f"{r['raw_transfer_ms_median']:.2f} ms = {r['raw_transfer_ratio_to_wire']:.3f}x wire; "
              f"driver/raw {r['driver_over_raw']:.3f}")
    print(f"(machine load average {results['load_average_1min']} on {results['cpus']} CPUs)")
    print(f"certificate font load (once per process): {font_ms:.1f} ms")
    for c in certs:
        print(f"certificate {c['template']:26} {c['render_ms_median']:6.1f} ms (max {c['render_ms_max']:.1f})  "
              f"{c['pdf_kb']:6.1f} KB  {'OK' if c['within_budget'] else 'OVER'}")
    out = ROOT / "bench" / "results" / "bench_printing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
