"""Run every ``bench/bench_*.py`` and write one report: ``bench/results/report.md`` + ``report.json``.

Each benchmark's ``main()`` runs in its own subprocess (a crash or hang of one does not stop the
others) with a time limit; its returned dict is turned into table rows by a small adapter per
benchmark (below). A benchmark without an adapter can return
``{"measurements": [{"name", "value", "unit", "baseline", "ratio", "budget", "ok"}, ...]}``;
anything else is reported as one row "no adapter".

Run: ``python -m bench`` (or ``python bench/run_all.py``) ``[--only idcard printing] [--timeout 600]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"

# The child: import one bench module and write what its main() returns as JSON.
CHILD = """
import json, sys
sys.path[:0] = [{root!r}, {bench!r}]
sys.argv = [{module!r}]
import importlib
result = importlib.import_module({module!r}).main()
with open({out!r}, "w", encoding="utf-8") as f:
    json.dump(result, f, ensure_ascii=False, default=str)
"""


@dataclass
class Row:
    bench: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    budget: str = "—"
    ok: bool | None = None  # None: no budget (information only) or not measured
    note: str = ""


Adapter = Callable[[dict[str, Any]], list[Row]]


def _startup(r: dict[str, Any]) -> list[Row]:
    return [Row("startup", "cold start to home screen (vs bare PySide6 window)",
                r["kiosk_median_s"] * 1000, "ms", r["baseline_median_s"] * 1000, r["ratio"],
                f"≤ {r['budget']}×", bool(r["within_budget"]),
                f"CPU ratio {r.get('cpu_ratio')}")]


def _idcard(r: dict[str, Any]) -> list[Row]:
    budget = r["budget_ratio"]
    return [Row("idcard", f"ID-card read, {c['link']}{' + fingerprint' if c['with_fingerprint'] else ''}"
                " (vs wire time)", c["read_ms_median"], "ms", c["wire_ms"], c["ratio_median"],
                f"≤ {budget}×", c["ratio_median"] <= budget, f"max ratio {c['ratio_max']}")
            for c in r["cases"]]


def _printing(r: dict[str, Any]) -> list[Row]:
    budget = r["receipt_budget_ratio"]
    rows = [Row("printing", f"receipt job {c['model']} (vs wire time)", c["job_ms_median"], "ms",
                c["wire_ms"], c["ratio_median"], f"≤ {budget}×", bool(c["within_budget"]),
                f"{c['escpos_bytes']} B")
            for c in r["receipts"]]
    ms, kb = r["certificate_budget_ms"], r["certificate_budget_kb"]
    for c in r["certificates"]:
        rows.append(Row("printing", f"A4 certificate {c['template']} render", c["render_ms_median"], "ms",
                        None, None, f"≤ {ms:g} ms", c["render_ms_median"] <= ms))
        rows.append(Row("printing", f"A4 certificate {c['template']} size", c["pdf_kb"], "KB",
                        None, None, f"≤ {kb:g} KB", c["pdf_kb"] <= kb))
    return rows


def _camera(r: dict[str, Any]) -> list[Row]:
    ratios = r["ratios"]
    per = r["detect_plus_focus_1080p"]["median_ms"]
    return [
        Row("camera", "document detect + focus, 1080p, one core (vs 33 ms frame interval)", per, "ms",
            r["frame_interval_ms"], ratios["detect_plus_focus_vs_frame_interval"], "≤ 0.5×",
            bool(ratios["within_budget_0_5"])),
        Row("camera", "face analysis 720p (vs 15 Hz analysis interval)", r["face_analysis_720p"]["median_ms"],
            "ms", round(1000 / 15, 2), ratios["face_analysis_vs_15hz_interval"], "—", None),
    ]


def _smartcard(r: dict[str, Any]) -> list[Row]:
    if "skipped" in r:
        return [Row("smartcard", "card reads", None, "", note=f"skipped: missing {r['skipped']}")]
    rows = []
    for name, c in r.items():
        if not isinstance(c, dict):
            continue
        rows.append(Row("smartcard", f"card read {name} (vs in-process read)", c["read_ms_median"], "ms",
                        c["in_process_baseline_ms"], c["ratio_vs_in_process"], "—", None,
                        f"{c['apdus']} APDUs, {c['apdu_rtt_ms_median']} ms/APDU"))
    return rows


def _queue(r: dict[str, Any]) -> list[Row]:
    e = r["durable_enqueue"]
    rows = [Row("queue", "durable enqueue, row + 1 MB (vs raw sqlite3 + file write with fsync)",
                e["queue_ms"], "ms", e["raw_ms"], e["ratio"], e["budget"].replace("<=", "≤") + "×", bool(e["ok"]),
                f"without hash+seal {e['ratio_without_hash_and_seal']}×")]
    for key, label in (("sync_throughput", "1 MB"), ("sync_throughput_4MB", "4 MB")):
        s = r[key]
        rows.append(Row("queue", f"sync throughput, {label} applications (plain upload time / ours)",
                        s["sync_ms"], "ms", s["plain_upload_ms"], s["ratio"], s["budget"].replace(">=", "≥") + "×",
                        bool(s["ok"]), f"{s['sync_MBps']} vs {s['plain_MBps']} MB/s"))
    return rows


def _staff_pin(r: dict[str, Any]) -> list[Row]:
    return [Row("staff_pin", "staff PIN verify, scrypt (vs one salted SHA-256)", r["scrypt_verify_ms"], "ms",
                r["sha256_baseline_us"] / 1000, r["ratio_scrypt_vs_sha256"], "—", None,
                f"6-digit space offline: {r['offline_core_days_for_6_digit_space']} core-days; "
                f"online {r['online_guesses_per_day_default_policy']} guesses/day")]


def _search(r: dict[str, Any]) -> list[Row]:
    return [Row("search", f"catalogue search, one keystroke, {r['items']} items, pinyin initials (p99)",
                r["p99_ms"], "ms", r["baseline_naive_scan_p50_ms"], r["ratio_p50_vs_naive"],
                f"p99 ≤ {r['budget_p99_ms']:g} ms", bool(r["within_budget"]),
                f"p50 {r['p50_ms']} ms; ratio is p50 vs a naive scan's p50")]


def _journey(r: dict[str, Any]) -> list[Row]:
    return [Row("journey", "card read → prefilled form, engine step (p99, vs one 60 Hz frame)",
                r["card_to_prefilled_form_p99_ms"], "ms", round(1000 / 60, 2), r["ratio_p99_vs_frame"], "—", None,
                f"keystroke event p99 {r['keystroke_event_p99_ms']} ms")]


ADAPTERS: dict[str, Adapter] = {
    "bench_search": _search,
    "bench_journey": _journey,
    "bench_queue": _queue,
    "bench_staff_pin": _staff_pin,
    "bench_startup": _startup,
    "bench_idcard": _idcard,
    "bench_printing": _printing,
    "bench_camera": _camera,
    "bench_smartcard": _smartcard,
}


def _generic(bench: str, r: dict[str, Any]) -> list[Row]:
    """The common key convention, else one row saying the bench has no adapter yet."""
    if isinstance(r.get("measurements"), list):
        return [Row(bench, str(m["name"]), m.get("value"), str(m.get("unit", "")), m.get("baseline"),
                    m.get("ratio"), str(m.get("budget", "—")), m.get("ok"), str(m.get("note", "")))
                for m in r["measurements"]]
    if "ratio" in r and "budget" in r:
        return [Row(bench, bench, r.get("value"), "", r.get("baseline"), r["ratio"], f"{r['budget']}",
                    r.get("within_budget", r.get("ok")))]
    return [Row(bench, bench, None, "", note="no adapter in bench/run_all.py; see its JSON")]


def to_rows(bench: str, result: dict[str, Any]) -> list[Row]:
    adapter = ADAPTERS.get(bench)
    if adapter is None:
        return _generic(bench.removeprefix("bench_"), result)
    try:
        return adapter(result)
    except (KeyError, TypeError) as e:  # the bench changed its dict: say so, keep the rest
        return [Row(bench.removeprefix("bench_"), bench, None, "", note=f"adapter failed: {e!r}")]


def run_one(module: str, timeout_s: float) -> tuple[dict[str, Any] | None, str, float]:
    """(result or None, failure note, seconds)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        code = CHILD.format(root=str(ROOT), bench=str(BENCH_DIR), module=module, out=str(out))
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=timeout_s,
                                  capture_output=True, text=True)
        except subprocess.TimeoutExpired as e:
            sys.stdout.write(e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or ""))
            return None, f"timed out after {timeout_s:.0f} s", time.perf_counter() - t0
        seconds = time.perf_counter() - t0
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"exit {proc.returncode}: {tail[:160]}", seconds
        return json.loads(out.read_text(encoding="utf-8")), "", seconds


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def render_markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    verdict = {True: "pass", False: "**FAIL**", None: "—"}
    lines = [
        "# Benchmark report", "",
        f"Generated {meta['generated']} on {meta['cpus']} CPUs (load average {meta['load_average']}); "
        "each ratio is against a baseline measured in the same run.", "",
        "| measurement | value | baseline | ratio | budget | pass/fail | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        value = "—" if r.value is None else f"{_fmt(r.value)} {r.unit}".strip()
        base = "—" if r.baseline is None else f"{_fmt(r.baseline)} {r.unit}".strip()
        ratio = "—" if r.ratio is None else f"{_fmt(r.ratio)}×"
        lines.append(f"| {r.bench}: {r.name} | {value} | {base} | {ratio} | {r.budget} | "
                     f"{verdict[r.ok]} | {r.note} |")
    lines += ["", f"Benchmarks: {', '.join(f'{k} {v:.0f} s' for k, v in meta['seconds'].items())}.", ""]
    return "\n".join(lines)


def discover() -> list[str]:
    return sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="run every bench/bench_*.py and write one report")
    p.add_argument("--only", nargs="*", default=None, help="bench names, e.g. idcard printing")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark")
    args = p.parse_args(argv)
    modules = discover()
    if args.only:
        wanted = {n.removeprefix("bench_") for n in args.only}
        modules = [m for m in modules if m.removeprefix("bench_") in wanted]
    rows: list[Row] = []
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for module in modules:
        print(f"== {module}", flush=True)
        result, failure, took = run_one(module, args.timeout)
        seconds[module] = took
        results[module] = result if result is not None else {"error": failure}
        if result is None:
            rows.append(Row(module.removeprefix("bench_"), module, None, "", ok=False, note=failure))
        else:
            rows.extend(to_rows(module, result))
    meta = {"generated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "seconds": seconds}
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = render_markdown(rows, meta)
    (RESULTS / "report.md").write_text(md, encoding="utf-8")
    (RESULTS / "report.json").write_text(json.dumps(
        {**meta, "rows": [asdict(r) for r in rows], "results": results}, ensure_ascii=False, indent=2),
        encoding="utf-8")
    print(md)
    print(f"written {RESULTS / 'report.md'} and report.json")
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
