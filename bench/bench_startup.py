"""Start-up benchmark: cold start to an interactive home screen vs a bare PySide6 window.

Each run is a fresh Python process (offscreen Qt), timed from spawn until the process prints
``READY`` from inside its running event loop, with its window shown and painted (both sides print
from a 1 ms timer: Qt runs timers after the posted events, and the first paint is a posted,
low-priority update request; a 0 ms single shot is itself a posted call and ran before the paint):
- baseline: ``QApplication`` + one ``QLabel`` shown;
- kiosk: ``run_kiosk.py --profile demo --exit-when-ready`` (config, logging, translations, theme,
  home screen, header, status bar, idle watcher, kiosk key guard — everything a start does before
  the home screen answers a touch).
What the kiosk starts after that, on a timer (``BACKGROUND_START_DELAY_MS``) and so outside this
measurement: the devices and the offline queue (worker threads), the catalogue warm-up (worker
thread), the staff feature (assisted / diagnostics; at once when the kiosk is paused), log-file
rotation (a plain file handler on the same file until then), the other screens' modules (one
per event-loop turn) and the demo's dev dock.
Runs alternate so machine noise hits both alike; the medians' ratio is the result (budget ≤ 1.5×).

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BUDGET = 1.5

BASELINE_CODE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("hello")
label.show()
def ready():
    print("READY", flush=True)
    app.quit()
QTimer.singleShot(1, ready)  # a timer, not a 0 ms call: it fires after the first paint
app.exec()
"""


def _time_to_ready(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds until READY, CPU seconds of the whole child run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - start
            break
    proc.stdout.read()
    code = proc.wait(timeout=60)
    if elapsed is None or code != 0:
        raise RuntimeError(f"{cmd[:3]} exited {code} without READY")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=15)  # the machine is shared: more runs, steadier medians
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "KIOSK__PATHS__DATA_DIR": f'"{tmp}/data"', "KIOSK__PATHS__LOG_DIR": f'"{tmp}/logs"',
               "KIOSK__PATHS__TEMP_DIR": f'"{tmp}/tmp"', "KIOSK__LOGGING__ALSO_STDERR": "false"}
        env.pop("QT_IM_MODULE", None)
        baseline_cmd = [sys.executable, "-c", BASELINE_CODE]
        kiosk_cmd = [sys.executable, str(ROOT / "run_kiosk.py"), "--profile", "demo",
                     "--exit-when-ready"]
        # A deployed kiosk runs from byte-compiled modules (pip compiles them at install, and
        # scripts/setup.sh does it for the editable install); PySide6's are compiled already.
        # Compile ours so neither side pays source compilation (PYTHONDONTWRITEBYTECODE may be set).
        subprocess.run([sys.executable, "-m", "compileall", "-q", "kiosk", "platform_server"],
                       cwd=ROOT, check=True)
        # one warm-up of each so both start with the OS file cache in the same state
        _time_to_ready(baseline_cmd, env)
        _time_to_ready(kiosk_cmd, env)
        base: list[float] = []
        kiosk: list[float] = []
        base_cpu: list[float] = []
        kiosk_cpu: list[float] = []
        for _ in range(args.runs):
            wall, cpu = _time_to_ready(baseline_cmd, env)
            base.append(wall)
            base_cpu.append(cpu)
            wall, cpu = _time_to_ready(kiosk_cmd, env)
            kiosk.append(wall)
            kiosk_cpu.append(cpu)
    b, k = statistics.median(base), statistics.median(kiosk)
    bc, kc = statistics.median(base_cpu), statistics.median(kiosk_cpu)
    result = {
        "benchmark": "startup", "runs": args.runs,
        "baseline_median_s": round(b, 4), "kiosk_median_s": round(k, 4),
        "baseline_runs_s": [round(x, 4) for x in base], "kiosk_runs_s": [round(x, 4) for x in kiosk],
        "ratio": round(k / b, 3), "budget": BUDGET, "within_budget": k / b <= BUDGET,
        # CPU time of the whole child (less sensitive to a busy machine than wall time)
        "baseline_cpu_median_s": round(bc, 4), "kiosk_cpu_median_s": round(kc, 4),
        "cpu_ratio": round(kc / bc, 3),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"bare PySide6 window: {b * 1000:.0f} ms (median of {args.runs})")
    print(f"kiosk home screen:   {k * 1000:.0f} ms (median of {args.runs})")
    print(f"CPU time (whole run): {bc * 1000:.0f} ms vs {kc * 1000:.0f} ms -> {kc / bc:.2f}x")
    print(f"ratio: {k / b:.2f}x (budget {BUDGET}x) -> {'OK' if k / b <= BUDGET else 'OVER BUDGET'}")
    return result


if __name__ == "__main__":
    main()
