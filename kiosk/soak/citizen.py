"""One simulated citizen at the running kiosk: the demo journeys the soak picks from, the answers
a citizen types, and a driver that taps through whatever step the journey engine shows.

The driver only uses the screen (buttons by object name, list rows, text fields) and reads the
journey's state to know what is on screen — the same way the end-to-end tests do. Steps:

- form: each field answered (choices tapped, text typed), 下一步;
- material: an electronic licence from the platform when it has one, else the document camera
  (a page is laid on the desk first), else 跳过 for optional ones;
- face: the face camera's simulated person follows the spoken prompts;
- hall / slot: the first hall, a random slot with places left;
- check / preview: 提交 / 打印; confirmation and results: 完成.

A step that shows a notice and does not move on (the platform unreachable, no slot left) ends
the visit as "blocked": the citizen leaves and the idle timeout ends the session.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.journeys.engine import JourneyState, StepKind
from kiosk.soak import ui

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.catalogue.model import FormField

EFFECT_TIMEOUT_S = 90.0  # a platform call, a capture, a print (A4 + receipt) in the worst case
CAPTURE_TIMEOUT_S = 40.0


@dataclass(frozen=True)
class Journey:
    kind: str
    target: str  # catalogue item or theme id
    people: tuple[str, ...]  # ID-card simulator people the platform knows and the item suits
    weight: float
    devices: frozenset[str] = frozenset()  # needed besides the ID-card reader and receipt printer
    receipt: bool = True  # ends with a receipt slip
    applies: bool = False  # submits applications (through the offline queue)

    def available(self, devices: set[str]) -> bool:
        return self.devices <= devices


SHANGHAI = ("shanghai_female", "shanghai_retiree")
KNOWN = ("hebei_male", "shanghai_female", "shanghai_retiree", "guangdong_zhuang")
JOURNEYS: tuple[Journey, ...] = (
    Journey("certificate_print", "sh.sb.jfzm", SHANGHAI, 2.0, frozenset({"a4"})),
    Journey("cross_province_transfer", "he.sb.zy", ("hebei_male",), 1.0, frozenset({"doc_camera"}),
            applies=True),
    Journey("cross_province_benefit", "he.sb.sybx", ("hebei_male",), 2.0, applies=True),
    Journey("progress_query", "sh.bj.cx", KNOWN, 1.5, receipt=False),
    Journey("appointment", "sh.gjj.yy", (*SHANGHAI, "guangdong_zhuang"), 1.5),
    Journey("pension_face_check", "sh.sb.zgrz", ("shanghai_retiree",), 1.0, frozenset({"face_camera"}),
            applies=True),
    Journey("theme_company", "theme.labour_company", ("shanghai_female",), 0.5, applies=True),
    Journey("insurance_query", "sh.sb.cbcx", ("shanghai_female", "guangdong_zhuang"), 1.0, receipt=False),
)

# Answers that are not personal (the same for everyone); personal ones come from contact().
ANSWERS = {
    "employer": "上海某某科技有限公司", "last_employer": "上海某某科技有限公司",
    "company_name": "上海样例劳务服务有限公司", "destination": "北京市", "disease": "高血压",
    "capital": "500000", "amount": "5000", "cert_no": "沪2020徐汇区不动产权第000123号",
}
BY_TYPE = {"address": "上海市黄浦区南京东路100号", "date": "2016-03-01", "number": "100",
           "text": "样例信息", "textarea": "样例信息"}
DOCUMENTS = ("hukou", "form", "marriage", "rental")


def contact(person: str) -> dict[str, str]:
    """The phone and bank card numbers a test person types (fictional, fixed per person)."""
    digits = str(int(hashlib.sha256(person.encode()).hexdigest(), 16))
    return {"phone": "139" + digits[:8], "bank_account": "6222" + digits[8:23]}


def answer(f: FormField, person: str, rng: random.Random) -> str:
    if f.type == "choice":
        return rng.choice(f.choices).value
    mine = contact(person)
    if f.id in mine:
        return mine[f.id]
    if f.type == "phone":
        return mine["phone"]
    if f.regex and "\\d{16" in f.regex:
        return mine["bank_account"]
    return ANSWERS.get(f.id) or BY_TYPE.get(f.type, "样例信息")


@dataclass
class Visit:
    """What one citizen's journey did."""

    journey: str
    person: str
    ending: str = ""  # finished / blocked / abandoned / ended (the session ended under us)
    step: str = ""  # where a visit that did not finish stopped
    applications: list[tuple[str, bool]] = field(default_factory=list)  # (reference, queued)
    receipt_printed: bool | None = None
    receipt_retried: bool = False
    idle_continued: int = 0  # the countdown came up while the kiosk worked: 继续办理 tapped
    problems: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """Decided before the visit: after how many steps the citizen walks away (None: never), and
    what happens to the kiosk on the way (callbacks at a step: the network drops, the paper runs
    out …)."""

    abandon_after: int | None = None
    at_step: dict[StepKind, Callable[[], None]] = field(default_factory=dict)
    # At the confirmation, before the receipt's result is looked at (the technician loads paper).
    before_reprint: Callable[[], None] | None = None


class Citizen:
    def __init__(self, app: KioskApp, rng: random.Random) -> None:
        self.app = app
        self.rng = rng
        self.leaving = False  # walking away: the idle countdown is left alone

    # --- waiting like a person: the countdown dialog gets an answer -----------------------
    def wait(self, predicate: Callable[[], bool], timeout_s: float, visit: Visit | None = None) -> bool:
        def check() -> bool:
            if not self.leaving and self.app.idle.warning:
                ui.tap(self.app.idle.dialog.continue_button)  # "still here": 继续办理
                if visit is not None:
                    visit.idle_continued += 1
            return predicate()

        return ui.wait_for(check, timeout_s)

    def click(self, name: str, visit: Visit, timeout_s: float = 10.0) -> bool:
        if not self.wait(lambda: len(ui.current_buttons(self.app, name)) == 1, timeout_s, visit):
            visit.problems.append(f"{visit.journey}: no button {name} at {ui.journey_step(self.app)}")
            return False
        ui.tap(ui.current_buttons(self.app, name)[0])
        return True

    @property
    def svc(self) -> Any:
        from kiosk.screens.journey_support import services

        return services(self.app)

    def state(self) -> JourneyState | None:
        state: JourneyState | None = self.svc.controller.state
        return state

    # --- the visit ------------------------------------------------------------------------
    def start(self, journey: Journey, visit: Visit) -> bool:
        """From wherever the card read left the citizen (recommendations) to the first step."""
        rows = [r for r in ui.rows(self.app) if getattr(r, "target_id", "") == journey.target]
        if rows:
            ui.tap(rows[0])  # recommended for this citizen
        else:
            self.app.nav.push("item", target=journey.target)  # found by search / category
        if not self.click("StartJourney", visit):
            return False
        return self.wait(lambda: self.app.nav.current_route == "journey" and self.state() is not None,
                         10.0, visit)

    def drive(self, journey: Journey, visit: Visit, plan: Plan) -> None:
        """Tap through the journey until it finishes, blocks, or the citizen walks away."""
        seen: dict[tuple[Any, ...], int] = {}
        fired: set[StepKind] = set()
        handled = 0
        while True:
            if not self.wait(lambda: self.state() is None or self.state().pending is None,  # type: ignore[union-attr]
                             EFFECT_TIMEOUT_S, visit):
                state = self.state()
                visit.problems.append(f"{visit.journey}: still busy after {EFFECT_TIMEOUT_S:.0f} s at "
                                      f"{state.step.kind if state else None} "
                                      f"({type(state.pending).__name__ if state else ''})")
                visit.ending = "blocked"
                return
            state = self.state()
            if state is None:
                visit.ending = "ended"
                return
            step = state.step.kind
            visit.step = step.value
            if state.kind == "apply" and state.outcomes and not visit.applications:
                # the references the citizen was given, also if they walk away from this screen
                visit.applications = [(o.reference, o.queued) for o in state.outcomes if o.reference]
            if step in plan.at_step and step not in fired:
                fired.add(step)
                plan.at_step[step]()
            if plan.abandon_after is not None and handled >= plan.abandon_after:
                visit.ending = "abandoned"
                return
            handled += 1
            key = (state.index, step.value, state.notice.key if state.notice else None,
                   len(state.materials), len(state.answers), bool(state.halls), bool(state.slots),
                   state.certificate is not None, state.receipt_printed)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 2:  # the same screen again and again: it is not going anywhere
                visit.ending = "blocked"
                return
            done = getattr(self, f"_{step.value}")(state, visit, plan)
            if done:
                return

    def _changed(self, state: JourneyState, visit: Visit, timeout_s: float = 10.0) -> bool:
        return self.wait(lambda: self.state() is not state, timeout_s, visit)

    # --- one handler per step (True: the visit is over) -------------------------------------
    def _identify(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        # The ID card went in before the journey; an item asking here wants another card.
        visit.ending = "blocked"
        return True

    def _face(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        sim = self.app.simulators.get("face_camera")
        if sim is not None:
            sim.cooperative = True  # type: ignore[attr-defined]  # blinks when asked to
        if self.click("CaptureFace", visit):
            self._changed(state, visit, CAPTURE_TIMEOUT_S)
        return False

    def _form(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        screen: Any = self.app.nav.current_screen
        for fid in state.step.fields:
            f = self.svc.engine.field(state, fid)
            value = answer(f, visit.person, self.rng)
            if f.type == "choice":
                if state.answers.get(fid) != value:
                    self.click(f"Choice_{fid}_{value}", visit)
                    screen = self.app.nav.current_screen  # a tap redraws the step
                continue
            edit = screen.fields[fid].edit
            if edit.text() != value:
                edit.clear()
                ui.type_text(edit, value)
        current = self.state()
        if self.click("JourneyNext", visit) and current is not None:
            self._changed(current, visit)
        return False

    def _material(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        mid = state.step.material or ""
        if mid not in state.materials:
            sim = self.app.simulators.get("doc_camera")
            if sim is not None and ui.current_buttons(self.app, "CaptureDoc"):
                sim.show(self.rng.choice(DOCUMENTS))  # type: ignore[attr-defined]  # the page on the desk
                self.click("CaptureDoc", visit)
                self.wait(lambda: mid in getattr(self.state(), "materials", {mid: None}),
                          CAPTURE_TIMEOUT_S, visit)
                sim.show(None)  # type: ignore[attr-defined]  # and taken away again
            elif ui.current_buttons(self.app, "SkipMaterial"):
                self.click("SkipMaterial", visit)
                return False
            else:
                visit.ending = "blocked"
                return True
        current = self.state()
        if current is not None and mid in current.materials and self.click("JourneyNext", visit):
            self._changed(current, visit)
        return False

    def _hall(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        if not state.halls:
            visit.ending = "blocked"
            return True
        hall = state.halls[0]
        if not self.wait(lambda: any(getattr(r, "target_id", "") == hall.id for r in ui.rows(self.app)),
                         10.0, visit):
            visit.problems.append(f"{visit.journey}: hall {hall.id} not listed")
            visit.ending = "blocked"
            return True
        ui.tap(next(r for r in ui.rows(self.app) if getattr(r, "target_id", "") == hall.id))
        self._changed(state, visit)
        return False

    def _slot(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        open_slots = [s for s in state.slots if s.remaining > 0]
        if not open_slots:
            visit.ending = "blocked"  # fully booked
            return True
        self.click(f"Slot_{self.rng.choice(open_slots).id}", visit)
        self._changed(state, visit)
        return False

    def _check(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        if self.click("JourneySubmit", visit):
            self._changed(state, visit)
        return False

    def _preview(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        if state.certificate is None:
            visit.ending = "blocked"  # the platform did not answer: 重试 later, not now
            return True
        if self.click("JourneyPrint", visit):
            self._changed(state, visit)
        return False

    def _confirmation(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        if state.receipt_printed is False and not visit.receipt_retried and plan.before_reprint is not None:
            plan.before_reprint()  # the technician has loaded paper / closed the cover …
            visit.receipt_retried = True
            if self.click("ReprintReceipt", visit):  # … and the citizen taps 重新打印 at once
                self._changed(state, visit)
            return False
        visit.receipt_printed = state.receipt_printed
        return self._finish(state, visit)

    def _results(self, state: JourneyState, visit: Visit, plan: Plan) -> bool:
        return self._finish(state, visit)

    def _finish(self, state: JourneyState, visit: Visit) -> bool:
        if self.click("JourneyFinish", visit):
            self._changed(state, visit)
        visit.ending = "finished"
        return True
