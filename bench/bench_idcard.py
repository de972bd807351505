"""Full ID-card read (find + select + read) against the simulator vs the wire time of its bytes.

The production driver reads over a real pty at 115200 baud; the simulator paces its answers at
that rate (10 bits a byte) and also waits out each request's wire time. The baseline is the wire
time of every byte exchanged in both directions, measured from the link's own byte counters in
the same run; the ratio shows what the codec, the driver and the OS add. Budget: ≤ 1.3×.

    python bench/bench_idcard.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiosk.config import IdCardReaderConfig  # noqa: E402
from kiosk.devices.idcard.driver import IdCardReader  # noqa: E402
from kiosk.devices.idcard.simulator import IdCardSimulator  # noqa: E402

BAUD = 115200
BUDGET = 1.3


def _measure(link: str, with_fingerprint: bool, person: str, rounds: int) -> dict[str, Any]:
    with IdCardSimulator(link, BAUD) as sim:
        reader = IdCardReader(IdCardReaderConfig(port=sim.port, baudrate=BAUD, with_fingerprint=with_fingerprint))
        opened = reader.open()
        if not opened.ok:
            raise SystemExit(f"cannot open the simulated reader: {opened.error_code} {opened.detail}")
        ratios: list[float] = []
        elapsed: list[float] = []
        wire: list[float] = []
        for _ in range(rounds):
            sim.insert_card(person)  # a fresh placement (the previous read halted the card)
            out0, in0 = reader.link.stats.bytes_out, reader.link.stats.bytes_in
            t0 = time.perf_counter()
            result = reader.read_card()
            dt = time.perf_counter() - t0
            if not result.ok:
                raise SystemExit(f"read failed: {result.error_code} {result.detail}")
            exchanged = (reader.link.stats.bytes_out - out0) + (reader.link.stats.bytes_in - in0)
            w = exchanged * 10 / BAUD
            elapsed.append(dt)
            wire.append(w)
            ratios.append(dt / w)
        reader.close()
    return {"link": link, "with_fingerprint": with_fingerprint, "rounds": rounds,
            "bytes_per_read": round(wire[0] * BAUD / 10),
            "wire_ms": round(statistics.median(wire) * 1000, 2),
            "read_ms_median": round(statistics.median(elapsed) * 1000, 2),
            "read_ms_max": round(max(elapsed) * 1000, 2),
            "ratio_median": round(statistics.median(ratios), 3),
            "ratio_max": round(max(ratios), 3)}


def main() -> dict[str, Any]:
    cases = [
        _measure("pty", False, "shanghai_female", 20),
        _measure("pty", True, "hebei_male", 20),
        _measure("socket", False, "shanghai_female", 20),
    ]
    worst = max(c["ratio_median"] for c in cases)
    results = {"baud": BAUD, "budget_ratio": BUDGET, "cases": cases, "worst_median_ratio": worst,
               "within_budget": worst <= BUDGET}
    for c in cases:
        fp = "30 10" if c["with_fingerprint"] else "30 01"
        print(f"{c['link']:6} read {fp}: {c['bytes_per_read']} bytes, wire {c['wire_ms']} ms, "
              f"read {c['read_ms_median']} ms (max {c['read_ms_max']}) → ratio {c['ratio_median']}× "
              f"(max {c['ratio_max']}×)")
    print(f"worst median ratio {worst}× (budget {BUDGET}×): {'OK' if worst <= BUDGET else 'OVER BUDGET'}")
    out = ROOT / "bench" / "results" / "bench_idcard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
