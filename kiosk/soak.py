"""Soak run: the real app with simulated devices through many citizen sessions, in accelerated
time, with random device faults; samples memory, threads, open files and Qt objects.

One session: an ID card is placed → ``card_read`` → the visit holds the person's data (identity,
a temp file) → the session ends (as the idle timeout ends it) → the card is taken away. Every
``fault_every`` sessions one random fault is injected and cleared (ID-card checksum/garbage/
timeout, printer paper out/cover open, a camera unplugged) and a receipt is printed.

Long run (prints the figures; exit code 1 when a budget is exceeded)::

    python -m kiosk.soak --sessions 5000
    python -m kiosk.soak --sessions 1000 --json soak.json

Time is accelerated by configuration only (faster simulated baud rate, short poll intervals):
the production driver code runs unchanged. The short version is tests/test_soak.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.devices.base import DeviceEvent

# Accelerated time: configuration only (environment overrides, applied before load_config).
ACCELERATED_ENV = {
    "KIOSK__DEVICES__IDCARD__BAUDRATE": "921600",
    "KIOSK__DEVICES__IDCARD__POLL_INTERVAL_S": "0.02",
    "KIOSK__DEVICES__IDCARD__REMOVAL_POLL_INTERVAL_S": "0.02",
    "KIOSK__DEVICES__IDCARD__FAULT_POLL_INTERVAL_S": "0.1",
}
MB = 1024 * 1024
# Budgets (quality.md): RSS growth ≤ 10 MB per 1,000 sessions after the first 10; threads, open
# files and Qt objects must not grow beyond a small constant (a fault may be mid-recovery).
RSS_BUDGET_MB_PER_1000 = 10.0
RSS_NOISE_MB = 1.0  # allocator noise: the second-half check never demands less than this
WARMUP_SESSIONS = 10  # "after the first 10" (quality.md); every fault kind once within them
THREAD_SLACK = 2
FD_SLACK = 4
QT_OBJECT_SLACK = 25


@dataclass
class Sample:
    sessions: int
    seconds: float
    rss_mb: float
    threads: int
    fds: int
    qt_objects: int


@dataclass
class SoakReport:
    sessions: int
    reads: int = 0
    read_failures: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    receipts: int = 0
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def first(self) -> Sample:
        return self.samples[0]

    @property
    def last(self) -> Sample:
        return self.samples[-1]

    def growth(self) -> dict[str, float]:
        a, b = self.first, self.last
        return {"rss_mb": round(b.rss_mb - a.rss_mb, 2), "threads": b.threads - a.threads,
                "fds": b.fds - a.fds, "qt_objects": b.qt_objects - a.qt_objects}

    def rss_budget_mb(self) -> float:
        """10 MB from "after the first 10" for a run of up to 1,000 sessions, scaled above."""
        return RSS_BUDGET_MB_PER_1000 * max(1.0, (self.sessions - self.first.sessions) / 1000)

    def second_half(self) -> tuple[float, float]:
        """(RSS growth over the second half of the run, its budget): a steady leak shows here
        even in a short run; one-off warm-up allocations do not."""
        mid = min(self.samples, key=lambda s: abs(s.sessions - (self.first.sessions + self.sessions) / 2))
        n = self.last.sessions - mid.sessions
        return round(self.last.rss_mb - mid.rss_mb, 2), RSS_NOISE_MB + RSS_BUDGET_MB_PER_1000 * n / 1000

    def over_budget(self) -> list[str]:
        g = self.growth()
        out = []
        if g["rss_mb"] > self.rss_budget_mb():
            out.append(f"RSS grew {g['rss_mb']} MB > {self.rss_budget_mb():.1f} MB")
        half, half_budget = self.second_half()
        if len(self.samples) >= 3 and half > half_budget:
            out.append(f"RSS grew {half} MB over the second half > {half_budget:.1f} MB")
        for key, slack in (("threads", THREAD_SLACK), ("fds", FD_SLACK), ("qt_objects", QT_OBJECT_SLACK)):
            if g[key] > slack:
                out.append(f"{key} grew by {g[key]} > {slack}")
        return out + self.problems

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["growth"] = self.growth()
        d["rss_budget_mb"] = self.rss_budget_mb()
        d["rss_second_half_mb"], d["rss_second_half_budget_mb"] = self.second_half()
        d["over_budget"] = self.over_budget()
        return d

    def text(self) -> str:
        a, b = self.first, self.last
        lines = [f"sessions {self.sessions} (reads {self.reads}, read failures {self.read_failures}, "
                 f"receipts {self.receipts}, faults {sum(self.faults.values())} {self.faults})",
                 f"{'':14}{'after ' + str(a.sessions):>14}{'after ' + str(b.sessions):>14}{'growth':>10}"]
        g = self.growth()
        for key, unit in (("rss_mb", "MB"), ("threads", ""), ("fds", ""), ("qt_objects", "")):
            lines.append(f"{key + ' ' + unit:14}{getattr(a, key):>14}{getattr(b, key):>14}{g[key]:>10}")
        half, half_budget = self.second_half()
        lines.append(f"RSS over the second half: {half} MB (budget {half_budget:.1f} MB)")
        lines.append(f"time {b.seconds:.1f} s; budget: RSS ≤ {self.rss_budget_mb():.1f} MB, threads ≤ +{THREAD_SLACK}, "
                     f"fds ≤ +{FD_SLACK}, Qt objects ≤ +{QT_OBJECT_SLACK}")
        over = self.over_budget()
        lines.append("OVER BUDGET: " + "; ".join(over) if over else "within budget")
        return "\n".join(lines)


def qt_object_count(app: KioskApp) -> int:
    from kiosk.qt import QObject, QtWidgets

    roots: list[Any] = [app, *QtWidgets.QApplication.topLevelWidgets()]
    return sum(1 + len(r.findChildren(QObject)) for r in roots)


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        import psutil

        return int(psutil.Process().num_fds())


class Soak:
    def __init__(self, app: KioskApp, *, seed: int = 1, fault_every: int = 10,
                 wait: Callable[[Callable[[], bool], float], bool] | None = None) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.fault_every = fault_every
        self.wait = wait or self._wait
        self.kinds: dict[str, dict[str, int]] = {}
        self.failures: list[str] = []  # error codes of failed ID-card reads
        for name, bridge in app.devices.items():
            counts: dict[str, int] = {}
            self.kinds[name] = counts
            bridge.eventOccurred.connect(lambda e, c=counts: self._count(c, e))

    def _count(self, counts: dict[str, int], event: DeviceEvent) -> None:
        counts[event.kind] = counts.get(event.kind, 0) + 1
        if event.kind == "read_failed":
            self.failures.append(str(event.summary.get("error_code")))

    @staticmethod
    def _wait(predicate: Callable[[], bool], timeout_s: float) -> bool:
        from kiosk.qt import QtCore

        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)
            if predicate():
                return True
            time.sleep(0.002)
        return predicate()

    def _sim(self, name: str) -> Any:
        return self.app.simulators[name]

    def _dev(self, name: str) -> Any:
        return self.app.devices[name].runner.device

    def _count_of(self, device: str, kind: str) -> int:
        return self.kinds.get(device, {}).get(kind, 0)

    def _online(self, device: str) -> bool:
        from kiosk.devices.base import DeviceState

        return bool(self.app.devices[device].runner.device.status.state is DeviceState.ONLINE)

    # --- one citizen ----------------------------------------------------------------------
    def session(self, report: SoakReport) -> None:
        app = self.app
        sim = self._sim("idcard")
        person = self.rng.choice(sorted(sim.people))
        # a hand places the next card only once the reader has seen the last one go
        self.wait(lambda: self._idcard_detail().get("phase") in ("waiting", None), 5.0)
        reads, fails = self._count_of("idcard", "card_read"), self._count_of("idcard", "read_failed")
        sim.insert_card(person)
        if not self.wait(lambda: self._count_of("idcard", "card_read") > reads
                         or self._count_of("idcard", "read_failed") > fails, 10.0):
            status = self._dev("idcard").status
            report.problems.append(f"session {report.sessions}: no card_read within 10 s "
                                   f"({status.state}, {status.error_code}, {dict(status.detail)}, "
                                   f"simulator {sim.snapshot()})")
        if self._count_of("idcard", "card_read") > reads:
            report.reads += 1
            app.session.set_identity({"person": person, "at": time.time()})
            app.session.new_temp_file(".json", person.encode("utf-8"))
        else:
            report.read_failures += 1
        temp_dir = app.session.temp_dir
        app.end_session("idle")  # as the idle timeout ends it
        if temp_dir.exists():
            report.problems.append(f"session {report.sessions}: temp dir left behind")
        removed = self._count_of("idcard", "card_removed")
        sim.remove_card()
        if not self.wait(lambda: self._count_of("idcard", "card_removed") > removed, 5.0):
            report.problems.append(f"session {report.sessions}: card removal not seen within 5 s "
                                   f"({self._idcard_detail()})")
        report.sessions += 1

    def _idcard_detail(self) -> dict[str, Any]:
        return dict(self.app.devices["idcard"].runner.device.status.detail)

    # --- faults ---------------------------------------------------------------------------
    def fault_kinds(self) -> list[str]:
        choices = ["idcard_checksum", "idcard_garbage", "idcard_timeout"]
        if "printer" in self.app.simulators:
            choices += ["printer_paper_out", "printer_cover_open"]
        for cam in ("doc_camera", "face_camera"):
            if cam in self.app.simulators:
                choices.append(f"{cam}_unplug")
        return choices

    def fault(self, report: SoakReport, kind: str | None = None) -> None:
        kind = kind or self.rng.choice(self.fault_kinds())
        report.faults[kind] = report.faults.get(kind, 0) + 1
        sims = {name: self._sim(name) for name in self.app.simulators}
        if kind.startswith("idcard_"):
            sims["idcard"].set_fault(kind.removeprefix("idcard_"), 1)  # hits the next session's read
            return
        if kind.startswith("printer_"):
            sim = sims["printer"]
            sim.set_state(**({"paper": "out"} if kind == "printer_paper_out" else {"cover_open": True}))
            self.wait(lambda: not self._online("printer"), 5.0)
            sim.set_state(paper="ok", cover_open=False)
            if not self.wait(lambda: self._online("printer"), 10.0):
                report.problems.append(f"{kind}: printer not back online")
            return
        cam = kind.removesuffix("_unplug")
        device = self._dev(cam)
        device.set_active(True)
        sims[cam].unplug()
        self.wait(lambda: not self._online(cam), 5.0)
        sims[cam].replug()
        if not self.wait(lambda: self._online(cam), 15.0):
            report.problems.append(f"{kind}: camera not back online")
        device.set_active(False)

    def receipt(self, report: SoakReport) -> None:
        if "printer" not in self.app.devices:
            return
        from datetime import datetime

        from kiosk.devices.printer.layout import ReceiptData

        printer = self._dev("printer")
        data = ReceiptData(terminal_id="T-SOAK", branch="演示支行", item_name="社保查询", holder_name="张测试",
                           id_number="130102198805160014", reference=f"R{report.sessions:06d}",
                           issued_at=datetime(2026, 11, 22), state="queued",
                           status_url="https://gov-platform.example.invalid/s/R1")
        job = self.app.devices["printer"].submit(lambda token: printer.print_receipt(data, token), timeout_s=20)
        if self.wait(lambda: job.done, 20.0) and job.result(0).ok:
            report.receipts += 1
            sim = self._sim("printer") if "printer" in self.app.simulators else None
            if sim is not None and sim.wait_for_receipts(1, 5.0):
                # The simulator's own history (last 100 receipt images) is not the kiosk's memory.
                with sim._lock:
                    sim._receipts.clear()
        else:
            result = job.result(0) if job.done else None
            report.problems.append(f"receipt after session {report.sessions} failed: "
                                   f"{result.error_code if result else 'not done'} {result.detail if result else ''}")

    def warm_cameras(self, seconds: float = 1.5) -> None:
        """A citizen uses each camera once (live preview + analysis): its buffers, detector
        models and the malloc arenas of its thread are allocated once, before the first sample."""
        for cam in ("doc_camera", "face_camera"):
            if cam in self.app.devices:
                device = self._dev(cam)
                device.set_active(True)
                self.wait(lambda: False, seconds)
                device.set_active(False)

    # --- sampling -------------------------------------------------------------------------
    def sample(self, report: SoakReport, started: float) -> Sample:
        import gc

        import psutil

        gc.collect()
        s = Sample(report.sessions, round(time.monotonic() - started, 1),
                   round(psutil.Process().memory_info().rss / MB, 2), threading.active_count(),
                   open_fds(), qt_object_count(self.app))
        report.samples.append(s)
        return s

    def run(self, sessions: int, warmup: int = WARMUP_SESSIONS, progress: Callable[[Sample], None] | None = None,
            sample_every: int = 0) -> SoakReport:
        """``warmup`` sessions first, with every fault kind once (first use of a camera's analysis,
        a receipt layout … allocates caches and malloc arenas once), then the first sample."""
        report = SoakReport(0)
        started = time.monotonic()
        self.warm_cameras()
        warm_faults = self.fault_kinds()
        warmup = max(warmup, len(warm_faults) + 1)
        for i in range(sessions):
            if i < len(warm_faults):
                self.fault(report, warm_faults[i])
                if i == 0:
                    self.receipt(report)
            elif i > warmup and i % self.fault_every == 0:
                self.fault(report)
                self.receipt(report)
            self.session(report)
            if report.sessions == warmup or (sample_every and report.sessions % sample_every == 0
                                              and report.sessions > warmup):
                s = self.sample(report, started)
                if progress is not None:
                    progress(s)
        if not report.samples or report.samples[-1].sessions != report.sessions:
            self.sample(report, started)
        return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="soak the kiosk with simulated citizen sessions")
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--fault-every", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    p.add_argument("--devices", nargs="*", default=["idcard", "printer", "doc_camera", "face_camera"])
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
        for key, value in {**ACCELERATED_ENV, "KIOSK__PATHS__DATA_DIR": f'"{tmp}/data"',
                           "KIOSK__PATHS__LOG_DIR": f'"{tmp}/logs"', "KIOSK__PATHS__TEMP_DIR": f'"{tmp}/tmp"',
                           "KIOSK__LOGGING__ALSO_STDERR": "false"}.items():
            os.environ.setdefault(key, value)
        from kiosk.app import KioskApp
        from kiosk.config import load_config
        from kiosk.logs import setup_logging
        from kiosk.qt import QtWidgets

        config = load_config("demo")
        setup_logging(config.path(config.paths.log_dir), "INFO", also_stderr=False)
        qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
        app = KioskApp(config, kiosk_mode=False, show_devdock=False)
        app.idle.stop()
        app.show()
        app.start_devices(only=set(args.devices))
        soak = Soak(app, seed=args.seed, fault_every=args.fault_every)
        if not soak.wait(lambda: set(args.devices) <= set(app.devices)
                         and all(soak._online(d) for d in args.devices), 60.0):
            print(f"devices did not come up: {sorted(app.devices)}", file=sys.stderr)
            return 2
        soak = Soak(app, seed=args.seed, fault_every=args.fault_every)  # now with every device's events
        report = soak.run(args.sessions, sample_every=args.sample_every,
                          progress=lambda s: print(f"  after {s.sessions}: RSS {s.rss_mb} MB, threads {s.threads}, "
                                                   f"fds {s.fds}, Qt objects {s.qt_objects} ({s.seconds} s)",
                                                   flush=True))
        from kiosk.diag.privacy_scan import scan, sensitive_values

        hits = scan([Path(tmp)], sensitive_values())
        app.close()
        del qapp
    print(report.text())
    print(f"privacy scan of data/logs/temp after the soak: {len(hits)} hits")
    if args.json:
        args.json.write_text(json.dumps({**report.as_dict(), "privacy_hits": [str(h) for h in hits]},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if report.over_budget() or hits else 0


if __name__ == "__main__":
    raise SystemExit(main())
