"""The soak: citizen after citizen through the running kiosk, with device faults and network
drops around them; samples of the process's resources; at the end, the queue drained to the
reference platform and the disk searched for personal data.

One session: the citizen's ID card goes in (read again after a faulty read), a random demo
journey (:data:`kiosk.soak.citizen.JOURNEYS`) is tapped through, and the session ends — by 完成,
or by the idle timeout when the citizen walked away mid-journey or the journey could not go on
(platform unreachable, no slot left). After each session: the session really ended, nothing of
the citizen is left in the journey, on any widget or in the temp directory.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.journeys.engine import StepKind
from kiosk.soak import ui
from kiosk.soak.citizen import DOCUMENTS, JOURNEYS, Citizen, Journey, Plan, Visit, contact
from kiosk.soak.faults import Faults
from kiosk.soak.probes import Sample, measure
from kiosk.soak.report import WARMUP_SESSIONS, SoakReport

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.devices.base import DeviceEvent
    from kiosk.diag.privacy_scan import Sensitive

DRAIN_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Arrangement:
    """What the soak decides for one session before it starts."""

    journey: Journey
    fault: str | None = None  # a device fault; a printer one strikes just before the receipt
    drop_at_check: bool = False  # the network drops as the citizen is about to submit
    abandon_after: int | None = None  # steps before the citizen walks away (None: stays)


class Soak:
    def __init__(self, app: KioskApp, *, seed: int = 1, fault_every: int = 6,
                 abandon_rate: float = 0.08, drop_rate: float = 0.05, platform: Any = None) -> None:
        """``platform``: what ``applications()`` the reference platform's database holds; the
        one the demo starts in the kiosk's process unless given (:mod:`kiosk.soak.rig`)."""
        self.app = app
        self.platform = platform if platform is not None else app.platform_server
        self.rng = random.Random(seed)
        self.fault_every = fault_every
        self.abandon_rate = abandon_rate
        self.drop_rate = drop_rate
        self.citizen = Citizen(app, self.rng)
        self.faults = Faults(app)
        self.journeys = [j for j in JOURNEYS if j.available(set(app.devices))]
        self.events: dict[str, int] = {}
        self.printer_errors: list[str] = []
        self.drop_left = 0
        app.devices["idcard"].eventOccurred.connect(self._on_idcard)
        if "printer" in app.devices:
            app.devices["printer"].jobFinished.connect(self._on_print_job)

    def _on_idcard(self, event: DeviceEvent) -> None:
        self.events[event.kind] = self.events.get(event.kind, 0) + 1

    def _on_print_job(self, _job_id: int, completion: Any) -> None:
        if not completion.ok:
            self.printer_errors.append(f"{completion.error_code} {completion.detail}".strip())

    def _count(self, kind: str) -> int:
        return self.events.get(kind, 0)

    # --- the ID card ------------------------------------------------------------------------
    def _reader_phase(self) -> Any:
        return self.app.devices["idcard"].runner.device.status.detail.get("phase")

    def identify(self, person: str, report: SoakReport) -> bool:
        """Card in; after a faulty read the citizen takes it out and puts it in again."""
        from kiosk.screens.journey_support import services

        sim: Any = self.app.simulators["idcard"]
        wanted = sim.people[person].fields["id_number"]
        svc = services(self.app)
        for _attempt in range(3):
            ui.wait_for(lambda: self._reader_phase() in ("waiting", None), 5.0)
            reads, fails = self._count("card_read"), self._count("read_failed")
            sim.insert_card(person)

            def answered(r: int = reads, f: int = fails) -> bool:
                return self._count("card_read") > r or self._count("read_failed") > f

            if not ui.wait_for(answered, 10.0):
                report.problems.append(f"session {report.sessions}: no card read within 10 s "
                                       f"({self.app.devices['idcard'].runner.device.status})")
            if self._count("card_read") > reads:
                report.card_reads += 1
                if ui.wait_for(lambda: svc.identity is not None and svc.identity.id_number == wanted, 5.0):
                    return True
                report.problems.append(f"session {report.sessions}: card read, citizen not identified")
                return False
            report.card_read_failures += 1
            self.remove_card(report)
        return False

    def remove_card(self, report: SoakReport) -> None:
        sim: Any = self.app.simulators["idcard"]
        if sim.snapshot().get("card") is None:
            return
        removed = self._count("card_removed")
        sim.remove_card()
        if not ui.wait_for(lambda: self._count("card_removed") > removed
                           or self._reader_phase() in ("waiting", None), 5.0):
            report.problems.append(f"session {report.sessions}: card removal not seen within 5 s")

    # --- one citizen ------------------------------------------------------------------------
    def plan(self, report: SoakReport, arrangement: Arrangement) -> Plan:
        plan = Plan(abandon_after=arrangement.abandon_after)
        if arrangement.drop_at_check:
            def drop() -> None:  # the line goes down as the citizen is about to submit
                if not self.faults.network_down:
                    self.faults.drop_network()
                    report.network_drops += 1
                self.drop_left = max(self.drop_left, 1)
            plan.at_step[StepKind.CHECK] = drop
        fault = arrangement.fault
        if fault is not None and fault in self.faults.printer_kinds():
            def paper_out() -> None:  # the paper runs out (the cover opens) before the receipt
                problem = self.faults.printer_fault(fault)
                if problem:
                    self._problems.append(problem)
            plan.at_step[StepKind.CHECK] = paper_out
            plan.before_reprint = self.faults.clear_printer  # loaded while the citizen waits
        return plan

    def session(self, report: SoakReport, arrangement: Arrangement) -> Visit:
        self._problems: list[str] = []
        app = self.app
        journey = arrangement.journey
        person = self.rng.choice(journey.people)
        visit = Visit(journey.kind, person)
        began = time.monotonic()
        self._network(report)
        fault = arrangement.fault
        printer_fault = fault is not None and fault in self.faults.printer_kinds()
        if fault is not None:
            report.count_fault(fault)
            if not printer_fault:
                problem = self.faults.inject(fault)
                if problem:
                    report.problems.append(f"session {report.sessions}: {problem}")
        plan = self.plan(report, arrangement)
        self._errors_before = len(self.printer_errors)
        started_id = app.session.id
        temp_root = app.session.temp_root
        self.citizen.leaving = False
        try:
            if self.identify(person, report):
                if self.citizen.start(journey, visit):
                    self.citizen.drive(journey, visit, plan)
                else:
                    visit.ending = "blocked"
            else:
                visit.ending = "no_card_read"
        finally:
            if printer_fault:
                self.faults.clear_printer()
        self._end(report, visit, started_id)
        report.count_journey(journey.kind, time.monotonic() - began)
        self._after(report, visit, person, temp_root)
        report.problems += [f"session {report.sessions}: {p}" for p in self._problems + visit.problems]
        report.sessions += 1
        return visit

    def _end(self, report: SoakReport, visit: Visit, started_id: str) -> None:
        """完成 ends the session; otherwise the citizen takes the card and walks away, and the idle
        timeout (countdown included) must end it."""
        app = self.app
        if visit.ending == "finished":
            if not ui.wait_for(lambda: app.session.id != started_id, 5.0):
                report.problems.append(f"session {report.sessions}: 完成 did not end the session")
                app.end_session("soak")
            self.remove_card(report)
            report.count_ending("finished")
            return
        self.citizen.leaving = True
        self.remove_card(report)
        ui_cfg = app.config.ui
        timeout = max(ui_cfg.idle_timeout_s, ui_cfg.elderly_idle_timeout_s) + ui_cfg.idle_warning_s
        if ui.wait_for(lambda: app.session.id != started_id, timeout * ui_cfg.time_scale + 10.0):
            report.count_ending(f"idle ({visit.ending} at {visit.step or 'start'})"
                                if visit.ending != "abandoned" else "idle (walked away)")
        else:
            report.problems.append(f"session {report.sessions}: the idle timeout did not end the session "
                                   f"({visit.journey} {visit.ending} at {visit.step})")
            app.end_session("soak")
        self.citizen.leaving = False

    def _after(self, report: SoakReport, visit: Visit, person: str, temp_root: Path) -> None:
        """Nothing of the citizen is left: journey, identity, widgets, temp files."""
        from kiosk.screens.journey_support import services

        app = self.app
        ui.pump(0)
        svc = services(app)
        if svc.identity is not None or svc.controller.state is not None:
            report.problems.append(f"session {report.sessions}: the journey or identity outlived the session")
        if app.nav.current_route != "home":
            report.problems.append(f"session {report.sessions}: at {app.nav.current_route}, not home")
        values = self.personal_values(person)
        texts = "\n".join(ui.widget_texts())
        shown = sorted(label for label, value in values if value in texts)
        if shown:
            report.problems.append(f"session {report.sessions}: {', '.join(shown)} still on a widget")
        if temp_root.exists() and any(temp_root.glob("session-*")):
            report.problems.append(f"session {report.sessions}: a session temp directory is left")
        if visit.receipt_printed is True:
            report.receipts += 1
        elif visit.receipt_printed is False:
            errors = self.printer_errors[self._errors_before:]
            report.receipt_failures.append(f"session {report.sessions} ({visit.journey}"
                                           f"{', after a printer fault was cleared' if visit.receipt_retried else ''}): "
                                           f"{'; '.join(errors) or 'no printer job failed'}")
        for reference, queued in visit.applications:
            (report.applications if queued else report.applications_direct).append(reference)
        printer: Any = app.simulators.get("printer")
        if printer is not None:
            printer.tear_off()  # the paper roll's slips are not the kiosk's memory

    def warm_simulators(self) -> None:
        """The document camera simulator's bounded caches (rendered documents, desk textures)
        are filled before the first sample: the test rig's memory, not the kiosk's."""
        sim: Any = self.app.simulators.get("doc_camera")
        if sim is None:
            return
        for layout in DOCUMENTS * 3:
            sim.show(layout)
            sim.scene()
        sim.show(None)

    def personal_values(self, person: str) -> list[tuple[str, str]]:
        sim: Any = self.app.simulators["idcard"]
        fields = sim.people[person].fields
        values = [(k, fields[k]) for k in ("name", "id_number", "address") if fields.get(k)]
        return values + list(contact(person).items())

    # --- network ------------------------------------------------------------------------------
    def _network(self, report: SoakReport) -> None:
        """Between citizens: a drop lasting one to three sessions now and then."""
        if self.faults.network_down:
            self.drop_left -= 1
            if self.drop_left <= 0:
                self.faults.restore_network()
            return
        if self.rng.random() < self.drop_rate:
            self.faults.drop_network()
            self.drop_left = self.rng.randint(1, 3)
            report.network_drops += 1

    # --- the run ------------------------------------------------------------------------------
    def pick(self, i: int, warmup: int) -> Arrangement:
        """The warm-up has every journey, every device fault, a network drop at submit and a
        citizen walking away once (first uses allocate caches and buffers once, before the first
        sample); after it everything is random."""
        device_faults, printer = self.faults.kinds(), self.faults.printer_kinds()
        receipts = [j for j in self.journeys if j.receipt and j.kind != "certificate_print"]
        applying = [j for j in self.journeys if j.applies]
        n = len(self.journeys)
        if i < warmup:
            if i < n:
                journey = self.journeys[i]
                return Arrangement(journey, device_faults[i] if i < len(device_faults) else None,
                                   drop_at_check=bool(applying) and journey is applying[0],
                                   abandon_after=0 if i == n - 1 else None)
            extra = i - n
            if extra < len(printer) and receipts:
                return Arrangement(receipts[extra % len(receipts)], printer[extra])
            return Arrangement(self.journeys[extra % n])
        journey = self.rng.choices(self.journeys, [j.weight for j in self.journeys])[0]
        fault = None
        if i % self.fault_every == 0:
            fault = self.rng.choice(device_faults + (printer if receipts else []))
            if fault in printer:
                journey = self.rng.choices(receipts, [j.weight for j in receipts])[0]
        abandon = self.rng.randint(0, 4) if self.rng.random() < self.abandon_rate else None
        drop = journey.applies and self.rng.random() < self.drop_rate / 2
        return Arrangement(journey, fault, drop_at_check=drop, abandon_after=abandon)

    def run(self, sessions: int, warmup: int = WARMUP_SESSIONS, sample_every: int = 0,
            progress: Callable[[Sample], None] | None = None) -> SoakReport:
        report = SoakReport()
        started = time.monotonic()
        self.warm_simulators()
        warmup = max(warmup, len(self.journeys) + len(self.faults.printer_kinds()))
        for i in range(sessions):
            self.session(report, self.pick(i, warmup))
            if report.sessions == warmup or (sample_every and report.sessions % sample_every == 0
                                              and report.sessions > warmup):
                report.samples.append(measure(self.app, report.sessions, time.monotonic() - started))
                if progress is not None:
                    progress(report.samples[-1])
        self.faults.restore_network()
        self.drain(report)
        if not report.samples or report.samples[-1].sessions != report.sessions:
            report.samples.append(measure(self.app, report.sessions, time.monotonic() - started))
        return report

    def drain(self, report: SoakReport) -> None:
        """The network is back: every application the citizens were given a reference for is at
        the platform, once; nothing is left in the queue or dead-lettered."""
        queue: Any = getattr(self.app.services, "queue", None)
        platform: Any = self.platform
        if queue is None or platform is None:
            report.problems.append("no queue or no local platform to count against")
            return
        self.app.offline_queue.sync_now()
        if not ui.wait_for(lambda: queue.stats().depth == 0, DRAIN_TIMEOUT_S):
            report.problems.append(f"queue not drained within {DRAIN_TIMEOUT_S:.0f} s: {queue.stats().by_state}")
        dead = queue.stats().dead
        if dead:
            report.problems.append(f"{dead} applications dead-lettered")
        rows = platform.applications()
        report.platform_rows = len(rows)
        by_id: dict[str, int] = {}
        for row in rows:
            by_id[row["application_id"]] = by_id.get(row["application_id"], 0) + 1
        report.delivered = sum(1 for a in report.applications if by_id.get(a) == 1)
        duplicates = [a for a, n in by_id.items() if n > 1]
        if duplicates:
            report.problems.append(f"{len(duplicates)} applications at the platform more than once")
        cases = {row["case_number"] for row in rows}
        missing = [c for c in report.applications_direct if c not in cases]
        if missing:
            report.problems.append(f"{len(missing)} directly submitted applications not at the platform")


def soak_sensitive_values(app: KioskApp) -> list[Sensitive]:
    """The test people's data (names, ID numbers, addresses, card numbers) and what the soak's
    citizens typed (phone and bank card numbers)."""
    from kiosk.diag.privacy_scan import Sensitive, sensitive_values

    sim: Any = app.simulators["idcard"]
    typed = [Sensitive(f"soak:{person}.{key}", value)
             for person in sorted(sim.people) for key, value in contact(person).items()]
    return sensitive_values() + typed


def kiosk_files(app: KioskApp) -> list[Path]:
    """Where the kiosk keeps files: data (queue database and attachments included), logs (crash
    reports too), temp — without the local reference platform's own data directory (the server
    side, which holds the applications it received by design)."""
    config = app.config
    data = config.path(config.paths.data_dir)
    platform_dir = config.data_path(config.platform.local_data_dir).resolve()
    paths = [p for p in sorted(data.iterdir()) if p.resolve() != platform_dir] if data.exists() else []
    return [*paths, config.path(config.paths.log_dir), config.path(config.paths.temp_dir)]


def privacy_scan(app: KioskApp, report: SoakReport, platform_dir: Path | None = None) -> None:
    """Search every file the kiosk wrote; ``platform_dir`` (the reference platform's data, the
    demo's own by default) is the control, where the data must be found."""
    from kiosk.diag.privacy_scan import scan

    for handler in __import__("logging").getLogger().handlers:
        handler.flush()
    queue: Any = getattr(app.services, "queue", None)
    if queue is None or not Path(queue.db_path).exists():
        report.problems.append("no queue database to scan")
    values = soak_sensitive_values(app)
    report.privacy_hits = [str(h) for h in scan(kiosk_files(app), values)]
    # The control: the reference platform stores what it received in the clear, so the same
    # search must find the citizens' data there (the values did leave the kiosk, and the search
    # recognises them in these files).
    platform_dir = platform_dir or app.config.data_path(app.config.platform.local_data_dir)
    report.privacy_control = sorted({h.label.split(".")[-1] for h in scan([platform_dir], values)})
