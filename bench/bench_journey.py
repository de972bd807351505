"""Card read → prefilled form, the engine's share (no UI yet), on the demo catalogue.

Measures ``JourneyEngine.start`` (build the steps, prefill from the identity, enter the first
form step) and the handling of one keystroke event, and prints ratios against one 60 Hz frame
(16.7 ms) — the engine must never be what makes the UI miss a frame.
Run: ``python bench/bench_journey.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path
from typing import Any

from kiosk.catalogue.loader import load_catalogue_file
from kiosk.catalogue.regions import id_number_facts, make_id_number
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys.engine import JourneyEngine, SetAnswer, StepKind
from kiosk.journeys.identity import Identity

RESULTS = Path(__file__).resolve().parent / "results"
FRAME_MS = 1000 / 60


def main(rounds: int = 2000) -> dict[str, Any]:
    cat = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")
    engine = JourneyEngine(cat, JourneysConfig())
    number = make_id_number("130102", dt.date(1960, 1, 1), 3, male=True)
    facts = id_number_facts(number)
    assert facts is not None
    identity = Identity("id_card", number, "张三", facts.sex, facts.birth_date, "河北省石家庄市")
    starts: list[float] = []
    keys: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        transition = engine.start("he.sb.zy", identity)
        starts.append((time.perf_counter() - t0) * 1000)
        state = transition.state
        assert state.step.kind is StepKind.FORM
        t0 = time.perf_counter()
        engine.handle(state, SetAnswer("phone", "1381234567"))
        keys.append((time.perf_counter() - t0) * 1000)
    starts.sort()
    keys.sort()
    result = {
        "card_to_prefilled_form_p50_ms": round(statistics.median(starts), 4),
        "card_to_prefilled_form_p99_ms": round(starts[int(len(starts) * 0.99)], 4),
        "keystroke_event_p99_ms": round(keys[int(len(keys) * 0.99)], 4),
        "ratio_p99_vs_frame": round(starts[int(len(starts) * 0.99)] / FRAME_MS, 4),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_journey.json").write_text(json.dumps(result, indent=2))
    for k, v in result.items():
        print(f"{k:>32}: {v}")
    return result


if __name__ == "__main__":
    main()
