"""The journey engine: catalogue item (or theme) + citizen → steps, as a pure state machine.

``JourneyEngine.handle(state, event) -> Transition(state, effects)`` is a function of its inputs
(plus the injected clock and id factory): no Qt, no I/O. Side effects — fetching certificate
data, verifying a face, submitting — are returned as *effect* values; whoever runs them (the
:mod:`kiosk.journeys.runner` on a worker thread) feeds the result back as an event. The whole
journey is one :class:`JourneyState` value the session can drop to wipe it.

Steps by kind of item (UX rules of product.md):
- query:       identify → results
- print:       identify → [face] → preview (certificate data) → confirmation (A4 + receipt)
- apply:       identify → [face] → form → materials → check answers → confirmation (+ receipt)
- appointment: identify → hall → slot → form → check answers → confirmation (+ receipt)
- theme:       like apply; a field id shared by several items is asked once; one application
               per item.
Forms with more than ``one_question_threshold`` askable fields get one question per screen;
fields the identity document answers are never asked. Errors never clear answers. ``Change``
from the check screen returns to it after the change. Every tap is counted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

from kiosk.catalogue.loader import Catalogue
from kiosk.catalogue.model import FormField, Item, LocalText, Material, Theme
from kiosk.config import JourneysConfig
from kiosk.journeys.gateways import (
    Application,
    CaseStatus,
    CertificateData,
    FaceMatch,
    GatewayResult,
    GatewayStatus,
    Hall,
    Licence,
    MaterialEvidence,
    QueryResult,
    ReceiptData,
    ReceiptEntry,
    Slot,
)
from kiosk.journeys.identity import Identity
from kiosk.journeys.messages import Message, literal, msg
from kiosk.journeys.validation import check
from kiosk.privacy import mask_id_number, mask_name

# ---- steps ------------------------------------------------------------------------------


class StepKind(StrEnum):
    IDENTIFY = "identify"
    FACE = "face"
    FORM = "form"
    MATERIAL = "material"
    HALL = "hall"
    SLOT = "slot"
    CHECK = "check"
    PREVIEW = "preview"
    CONFIRMATION = "confirmation"
    RESULTS = "results"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    fields: tuple[str, ...] = ()
    material: str | None = None
    page: int = 0  # 1-based question number on one-question-per-screen forms
    pages: int = 0


# ---- events (what happened) -------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    TAP: ClassVar[bool] = False


@dataclass(frozen=True)
class IdentityRead(Event):
    identity: Identity = field(repr=False)


@dataclass(frozen=True)
class ReferenceEntered(Event):
    TAP: ClassVar[bool] = True
    reference: str = ""


@dataclass(frozen=True)
class FaceCaptured(Event):
    image: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class SetAnswer(Event):
    """Typing into a field (keystrokes are not taps)."""

    field_id: str = ""
    value: str = field(default="", repr=False)


@dataclass(frozen=True)
class ChooseAnswer(Event):
    """Tapping one option of a choice field."""

    TAP: ClassVar[bool] = True
    field_id: str = ""
    value: str = ""


@dataclass(frozen=True)
class Next(Event):
    TAP: ClassVar[bool] = True


@dataclass(frozen=True)
class Back(Event):
    TAP: ClassVar[bool] = True


@dataclass(frozen=True)
class Home(Event):
    TAP: ClassVar[bool] = True


@dataclass(frozen=True)
class Change(Event):
    """A 修改 link on the check screen."""

    TAP: ClassVar[bool] = True
    step_index: int = 0


@dataclass(frozen=True)
class MaterialCaptured(Event):
    TAP: ClassVar[bool] = True
    material_id: str = ""
    images: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class UseCamera(Event):
    """The citizen prefers to photograph a material that could come as an electronic licence."""

    TAP: ClassVar[bool] = True
    material_id: str = ""


@dataclass(frozen=True)
class SkipMaterial(Event):
    TAP: ClassVar[bool] = True
    material_id: str = ""


@dataclass(frozen=True)
class PickHall(Event):
    TAP: ClassVar[bool] = True
    hall_id: str = ""


@dataclass(frozen=True)
class PickSlot(Event):
    TAP: ClassVar[bool] = True
    slot_id: str = ""


@dataclass(frozen=True)
class Confirm(Event):
    """Submit / book / print — the one button at the end of the check or preview screen."""

    TAP: ClassVar[bool] = True


@dataclass(frozen=True)
class Retry(Event):
    TAP: ClassVar[bool] = True


@dataclass(frozen=True)
class Finish(Event):
    TAP: ClassVar[bool] = True


# Results of effects (never taps).
@dataclass(frozen=True)
class CertificateLoaded(Event):
    result: GatewayResult[CertificateData]


@dataclass(frozen=True)
class FaceChecked(Event):
    result: GatewayResult[FaceMatch]


@dataclass(frozen=True)
class LicenceLoaded(Event):
    material_id: str
    result: GatewayResult[Licence]


@dataclass(frozen=True)
class QueryLoaded(Event):
    result: GatewayResult[QueryResult]


@dataclass(frozen=True)
class CasesLoaded(Event):
    platform: GatewayResult[tuple[CaseStatus, ...]]
    local: tuple[CaseStatus, ...] = ()


@dataclass(frozen=True)
class HallsLoaded(Event):
    result: GatewayResult[tuple[Hall, ...]]


@dataclass(frozen=True)
class SlotsLoaded(Event):
    hall_id: str
    result: GatewayResult[tuple[Slot, ...]]


@dataclass(frozen=True)
class SubmitOutcome:
    item_id: str
    reference: str | None
    queued: bool = False
    failure: Message | None = None
    # queued while the platform was reachable (still being sent), not because it was down
    sending: bool = False


@dataclass(frozen=True)
class Submitted(Event):
    outcomes: tuple[SubmitOutcome, ...]


@dataclass(frozen=True)
class Booked(Event):
    result: GatewayResult[str]  # the booking reference


@dataclass(frozen=True)
class Printed(Event):
    result: GatewayResult[None]


# ---- effects (what must be done outside) ------------------------------------------------


@dataclass(frozen=True)
class Effect:
    pass


@dataclass(frozen=True)
class FetchCertificate(Effect):
    item_id: str
    identity: Identity = field(repr=False)


@dataclass(frozen=True)
class VerifyFace(Effect):
    identity: Identity = field(repr=False)
    image: bytes = field(repr=False)


@dataclass(frozen=True)
class FetchLicence(Effect):
    material_id: str
    licence_type: str
    identity: Identity = field(repr=False)


@dataclass(frozen=True)
class RunQuery(Effect):
    item_id: str
    identity: Identity = field(repr=False)


@dataclass(frozen=True)
class LoadCases(Effect):
    identity: Identity | None = field(repr=False)
    reference: str | None = None


@dataclass(frozen=True)
class LoadHalls(Effect):
    item_id: str


@dataclass(frozen=True)
class LoadSlots(Effect):
    item_id: str
    hall_id: str


@dataclass(frozen=True)
class SubmitApplications(Effect):
    applications: tuple[Application, ...] = field(repr=False)


@dataclass(frozen=True)
class BookSlot(Effect):
    item_id: str
    hall_id: str
    slot_id: str
    identity: Identity = field(repr=False)
    answers: tuple[tuple[str, str], ...] = field(repr=False)


@dataclass(frozen=True)
class PrintDocuments(Effect):
    receipt: ReceiptData = field(repr=False)
    certificate_template: str | None = None
    certificate: CertificateData | None = field(default=None, repr=False)
    identity: Identity | None = field(default=None, repr=False)


# ---- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyState:
    """Everything about one citizen's journey; drop it to forget it."""

    item_ids: tuple[str, ...]
    theme_id: str | None
    kind: str  # query / print / apply / appointment (a theme is "apply")
    steps: tuple[Step, ...]
    index: int
    identity: Identity | None = field(default=None, repr=False)
    reference: str | None = None  # a receipt's reference number, for progress queries
    answers: Mapping[str, str] = field(default_factory=dict, repr=False)
    errors: Mapping[str, Message] = field(default_factory=dict)
    materials: Mapping[str, MaterialEvidence] = field(default_factory=dict, repr=False)
    camera_for: frozenset[str] = frozenset()  # licence materials the citizen photographs
    face_verified: bool = False
    face_attempts: int = 0
    return_to_check: bool = False
    pending: Effect | None = field(default=None, repr=False)
    notice: Message | None = None
    blocked: bool = False  # the journey cannot go on here (e.g. face failed too often)
    certificate: CertificateData | None = field(default=None, repr=False)
    query: QueryResult | None = field(default=None, repr=False)
    cases: tuple[CaseStatus, ...] = ()
    halls: tuple[Hall, ...] = ()
    slots: tuple[Slot, ...] = ()
    hall_id: str | None = None
    slot_id: str | None = None
    outcomes: tuple[SubmitOutcome, ...] = ()
    # item id → application id, fixed at the first confirm: a retry (after a timeout, with the
    # platform back) sends the same idempotency key, so the platform never makes two of it.
    application_ids: Mapping[str, str] = field(default_factory=dict)
    receipt: ReceiptData | None = field(default=None, repr=False)
    receipt_printed: bool | None = None
    taps: int = 0
    taps_after_identify: int = 0
    exit: str | None = None  # "back" / "home" / "done" — the UI leaves the journey

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    @property
    def finished(self) -> bool:
        return self.exit is not None


@dataclass(frozen=True)
class Transition:
    state: JourneyState
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class CheckRow:
    label: LocalText
    value: str | LocalText
    change_step: int | None  # None: from the ID card, not changeable here


_ASKED_AFTER_IDENTIFY = (StepKind.FACE, StepKind.PREVIEW, StepKind.HALL, StepKind.RESULTS,
                         StepKind.FORM, StepKind.MATERIAL, StepKind.CHECK)


class JourneyEngine:
    def __init__(self, catalogue: Catalogue, config: JourneysConfig,
                 clock: Callable[[], dt.datetime] | None = None,
                 new_id: Callable[[], str] | None = None) -> None:
        self.catalogue = catalogue
        self.config = config
        self.clock = clock or (lambda: dt.datetime.now().astimezone())
        self.new_id = new_id or (lambda: str(uuid.uuid4()))

    # ---- building a journey ------------------------------------------------------------

    def items_of(self, state: JourneyState) -> list[Item]:
        return [self.catalogue.item(i) for i in state.item_ids]

    def fields_of(self, items: list[Item]) -> list[FormField]:
        """Every form field once, in first-seen order (theme fields shared by id)."""
        seen: dict[str, FormField] = {}
        for it in items:
            for f in it.form:
                seen.setdefault(f.id, f)
        return list(seen.values())

    def field(self, state: JourneyState, field_id: str) -> FormField:
        for f in self.fields_of(self.items_of(state)):
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def materials_of(self, items: list[Item]) -> list[Material]:
        seen: dict[str, Material] = {}
        for it in items:
            for m in it.materials:
                seen.setdefault(m.id, m)
        return list(seen.values())

    def material(self, state: JourneyState, material_id: str) -> Material:
        for m in self.materials_of(self.items_of(state)):
            if m.id == material_id:
                return m
        raise KeyError(material_id)

    def _prefilled(self, f: FormField, identity: Identity | None) -> str | None:
        if f.prefill is None or identity is None:
            return None
        return identity.value_for(f.prefill)

    def _build_steps(self, items: list[Item], kind: str, identity: Identity | None) -> list[Step]:
        steps = [Step(StepKind.IDENTIFY)]
        if any(i.face_verification for i in items):
            steps.append(Step(StepKind.FACE))
        if kind == "query":
            return [*steps, Step(StepKind.RESULTS)]
        if kind == "print":
            return [*steps, Step(StepKind.PREVIEW), Step(StepKind.CONFIRMATION)]
        if kind == "appointment":
            steps += [Step(StepKind.HALL), Step(StepKind.SLOT)]
        # Fields the document answers are never asked; if the document cannot answer (a
        # social-security card has no address) the field is asked after all. Before the card
        # is read we assume it will answer (the steps are rebuilt when it is read).
        def asked(f: FormField) -> bool:
            if f.prefill is None:
                return True
            return identity is not None and self._prefilled(f, identity) is None

        askable = [f.id for f in self.fields_of(items) if asked(f)]
        if len(askable) > self.config.one_question_threshold:
            steps += [Step(StepKind.FORM, (fid,), page=n + 1, pages=len(askable))
                      for n, fid in enumerate(askable)]
        elif askable:
            steps.append(Step(StepKind.FORM, tuple(askable), page=1, pages=1))
        steps += [Step(StepKind.MATERIAL, material=m.id) for m in self.materials_of(items)]
        return [*steps, Step(StepKind.CHECK), Step(StepKind.CONFIRMATION)]

    def start(self, target_id: str, identity: Identity | None = None,
              taps_before: int = 0) -> Transition:
        """Begin a journey for an item or a theme; ``identity`` if the card was read already.

        ``taps_before`` counts the taps that led here after the card was read (picking the item
        from home), so the tap count covers the citizen's whole path.
        """
        theme: Theme | None = self.catalogue.themes_by_id.get(target_id)
        if theme is not None:
            item_ids = theme.items
            kind = "apply"
        else:
            item = self.catalogue.item(target_id)
            item_ids = (item.id,)
            kind = item.kind
        items = [self.catalogue.item(i) for i in item_ids]
        steps = self._build_steps(items, kind, identity)
        state = JourneyState(item_ids=item_ids, theme_id=theme.id if theme else None, kind=kind,
                             steps=tuple(steps), index=0, taps=taps_before,
                             taps_after_identify=taps_before if identity else 0)
        if identity is not None:
            accepted = self._accepts(items, identity)
            if accepted:
                return self._identified(state, identity)
            state = replace(state, notice=msg("journeys.notice.wrong_card"))
        return Transition(state)

    def _accepts(self, items: list[Item], identity: Identity) -> bool:
        return all(identity.method in i.identification for i in items)

    # ---- the reducer ---------------------------------------------------------------------

    def handle(self, state: JourneyState, event: Event) -> Transition:
        if state.finished:
            return Transition(state)
        if event.TAP:
            state = replace(state, taps=state.taps + 1,
                            taps_after_identify=state.taps_after_identify
                            + (1 if state.identity is not None else 0))
        if isinstance(event, Home):
            return Transition(replace(state, exit="home", pending=None))
        if state.pending is not None:
            return self._effect_result(state, event)
        if state.blocked and not isinstance(event, Back):
            return Transition(state)
        handler = _HANDLERS.get(type(event))
        if handler is None:
            return Transition(state)
        return handler(self, state, event)

    # -- identification
    def _on_identity(self, state: JourneyState, event: IdentityRead) -> Transition:
        if state.step.kind is not StepKind.IDENTIFY:
            return Transition(state)
        items = self.items_of(state)
        if not self._accepts(items, event.identity):
            return Transition(replace(state, notice=msg("journeys.notice.wrong_card")))
        return self._identified(state, event.identity)

    def _identified(self, state: JourneyState, identity: Identity) -> Transition:
        items = self.items_of(state)
        # The form may shrink now that the document answers some fields.
        steps = tuple(self._build_steps(items, state.kind, identity))
        answers = dict(state.answers)
        for f in self.fields_of(items):
            value = self._prefilled(f, identity)
            if value is not None:
                answers[f.id] = value
        state = replace(state, identity=identity, steps=steps, answers=answers, notice=None)
        return self._go(state, 1)

    def _on_reference(self, state: JourneyState, event: ReferenceEntered) -> Transition:
        items = self.items_of(state)
        if state.step.kind is not StepKind.IDENTIFY or not all(
                "reference_number" in i.identification for i in items):
            return Transition(state)
        ref = event.reference.strip().upper()
        if not (6 <= len(ref) <= 40) or not ref.replace("-", "").isalnum():
            return Transition(replace(state, errors={"reference": msg("journeys.error.reference")}))
        return self._go(replace(state, reference=ref, errors={}), 1)

    # -- face
    def _on_face(self, state: JourneyState, event: FaceCaptured) -> Transition:
        if state.step.kind is not StepKind.FACE or state.identity is None:
            return Transition(state)
        return Transition(replace(state, pending=VerifyFace(state.identity, event.image),
                                  notice=None), (VerifyFace(state.identity, event.image),))

    # -- forms
    def _on_set(self, state: JourneyState, event: SetAnswer | ChooseAnswer) -> Transition:
        step = state.step
        if step.kind is not StepKind.FORM or event.field_id not in step.fields:
            return Transition(state)
        answers = dict(state.answers)
        answers[event.field_id] = event.value
        errors = dict(state.errors)
        if event.field_id in errors:
            # Re-check as they type so a corrected answer loses its error at once.
            checked = check(self.field(state, event.field_id), event.value)
            if checked.error is None:
                del errors[event.field_id]
        return Transition(replace(state, answers=answers, errors=errors))

    def _on_next(self, state: JourneyState, event: Next) -> Transition:
        step = state.step
        if step.kind is StepKind.FORM:
            answers = dict(state.answers)
            errors: dict[str, Message] = {}
            for fid in step.fields:
                checked = check(self.field(state, fid), state.answers.get(fid, ""))
                answers[fid] = checked.value
                if checked.error is not None:
                    errors[fid] = checked.error
            state = replace(state, answers=answers, errors=errors)
            if errors:
                return Transition(state)
            return self._advance(state)
        if step.kind is StepKind.MATERIAL:
            assert step.material is not None
            if step.material not in state.materials:
                mat = self.material(state, step.material)
                key = "journeys.error.material_missing"
                return Transition(replace(state, errors={step.material: msg(key, name=mat.name)}))
            return self._advance(state)
        if step.kind is StepKind.FACE and state.face_verified:
            return self._advance(state)
        if step.kind in (StepKind.CONFIRMATION, StepKind.RESULTS):
            return Transition(replace(state, exit="done"))
        return Transition(state)

    def _advance(self, state: JourneyState) -> Transition:
        if state.return_to_check:
            check_index = self._index_of(state, StepKind.CHECK)
            return self._enter(replace(state, index=check_index, return_to_check=False,
                                       errors={}, notice=None))
        return self._go(state, state.index + 1)

    def _index_of(self, state: JourneyState, kind: StepKind) -> int:
        return next(i for i, s in enumerate(state.steps) if s.kind is kind)

    def _go(self, state: JourneyState, index: int) -> Transition:
        return self._enter(replace(state, index=index, errors={}, notice=None))

    def _enter(self, state: JourneyState) -> Transition:
        """Entering a step may need data from outside first."""
        step = state.step
        items = self.items_of(state)
        ident = state.identity
        if step.kind is StepKind.FACE and state.face_verified:
            return self._go(state, state.index + 1)
        effect: Effect | None = None
        if step.kind is StepKind.PREVIEW and ident is not None and state.certificate is None:
            effect = FetchCertificate(items[0].id, ident)
        elif step.kind is StepKind.RESULTS:
            if items[0].query_source == "case_status":
                effect = LoadCases(ident, state.reference)
            elif ident is not None:
                effect = RunQuery(items[0].id, ident)
        elif step.kind is StepKind.HALL and not state.halls:
            effect = LoadHalls(items[0].id)
        elif step.kind is StepKind.SLOT and state.hall_id is not None:
            effect = LoadSlots(items[0].id, state.hall_id)
        elif (step.kind is StepKind.MATERIAL and step.material is not None and ident is not None
              and step.material not in state.materials and step.material not in state.camera_for):
            mat = self.material(state, step.material)
            if mat.source == "electronic_licence" and mat.licence_type:
                effect = FetchLicence(mat.id, mat.licence_type, ident)
        if effect is None:
            return Transition(state)
        return Transition(replace(state, pending=effect), (effect,))

    def _on_back(self, state: JourneyState, event: Back) -> Transition:
        if state.step.kind in (StepKind.CONFIRMATION, StepKind.RESULTS):
            return Transition(replace(state, exit="done"))
        if state.return_to_check:
            return self._enter(replace(state, index=self._index_of(state, StepKind.CHECK),
                                       return_to_check=False, errors={}, notice=None))
        index = state.index - 1
        while index >= 0 and self._skip_on_back(state, state.steps[index]):
            index -= 1
        if index < 0:
            return Transition(replace(state, exit="back"))
        return self._go(replace(state, blocked=False), index)

    def _skip_on_back(self, state: JourneyState, step: Step) -> bool:
        if step.kind is StepKind.IDENTIFY:
            return state.identity is not None or state.reference is not None
        if step.kind is StepKind.FACE:
            return state.face_verified
        return False

    def _on_change(self, state: JourneyState, event: Change) -> Transition:
        if state.step.kind is not StepKind.CHECK:
            return Transition(state)
        if not 0 <= event.step_index < len(state.steps):
            return Transition(state)
        target = state.steps[event.step_index]
        if target.kind not in (StepKind.FORM, StepKind.MATERIAL, StepKind.HALL, StepKind.SLOT):
            return Transition(state)
        new = replace(state, index=event.step_index, return_to_check=True, errors={}, notice=None)
        if target.kind is StepKind.MATERIAL and target.material is not None:
            # Changing a material means taking it again; the old one is kept until replaced.
            new = replace(new, camera_for=state.camera_for | {target.material})
        return self._enter(new)

    # -- materials
    def _on_captured(self, state: JourneyState, event: MaterialCaptured) -> Transition:
        step = state.step
        if step.kind is not StepKind.MATERIAL or step.material != event.material_id:
            return Transition(state)
        if not event.images:
            return Transition(state)
        materials = dict(state.materials)
        materials[event.material_id] = MaterialEvidence(event.material_id, "camera", event.images)
        return Transition(replace(state, materials=materials, errors={}))

    def _on_use_camera(self, state: JourneyState, event: UseCamera) -> Transition:
        step = state.step
        if step.kind is not StepKind.MATERIAL or step.material != event.material_id:
            return Transition(state)
        materials = {k: v for k, v in state.materials.items() if k != event.material_id}
        return Transition(replace(state, camera_for=state.camera_for | {event.material_id},
                                  materials=materials, notice=None))

    def _on_skip(self, state: JourneyState, event: SkipMaterial) -> Transition:
        step = state.step
        if step.kind is not StepKind.MATERIAL or step.material != event.material_id:
            return Transition(state)
        if self.material(state, event.material_id).required:
            return Transition(state)
        materials = dict(state.materials)
        materials[event.material_id] = MaterialEvidence(event.material_id, "skipped")
        return self._advance(replace(state, materials=materials))

    # -- appointments
    def _on_hall(self, state: JourneyState, event: PickHall) -> Transition:
        if state.step.kind is not StepKind.HALL or event.hall_id not in {h.id for h in state.halls}:
            return Transition(state)
        changed = event.hall_id != state.hall_id
        new = replace(state, hall_id=event.hall_id,
                      slot_id=None if changed else state.slot_id,
                      slots=() if changed else state.slots)
        # A new hall needs a new slot, even when changing from the check screen.
        slot_index = self._index_of(state, StepKind.SLOT)
        return self._enter(replace(new, index=slot_index, errors={}, notice=None))

    def _on_slot(self, state: JourneyState, event: PickSlot) -> Transition:
        if state.step.kind is not StepKind.SLOT:
            return Transition(state)
        slot = next((s for s in state.slots if s.id == event.slot_id), None)
        if slot is None or slot.remaining <= 0:
            return Transition(replace(state, notice=msg("journeys.notice.slot_full")))
        return self._advance(replace(state, slot_id=slot.id))

    # -- the end
    def _on_confirm(self, state: JourneyState, event: Confirm) -> Transition:
        step = state.step
        ident = state.identity
        if ident is None:
            return Transition(state)
        if step.kind is StepKind.PREVIEW and state.certificate is not None:
            item = self.items_of(state)[0]
            receipt = self._receipt(state, "certificate",
                                    (ReceiptEntry(item.name, state.certificate.document_number,
                                                  False),))
            effect: Effect = PrintDocuments(receipt, item.print.certificate_template,
                                            state.certificate, ident)
            return Transition(replace(state, pending=effect, receipt=receipt), (effect,))
        if step.kind is not StepKind.CHECK:
            return Transition(state)
        if state.kind == "appointment":
            if state.hall_id is None or state.slot_id is None:
                return Transition(state)
            item = self.items_of(state)[0]
            effect = BookSlot(item.id, state.hall_id, state.slot_id, ident,
                              self._answers_for(state, item))
            return Transition(replace(state, pending=effect, notice=None), (effect,))
        apps = []
        ids = dict(state.application_ids)
        for item in self.items_of(state):
            apps.append(Application(
                application_id=ids.setdefault(item.id, self.new_id()), item_id=item.id,
                catalogue_version=self.catalogue.version, identity=ident,
                answers=self._answers_for(state, item),
                materials=tuple(state.materials[m.id] for m in item.materials
                                if m.id in state.materials),
                online_only=item.online_only, theme_id=state.theme_id))
        effect = SubmitApplications(tuple(apps))
        return Transition(replace(state, pending=effect, notice=None, application_ids=ids),
                          (effect,))

    def _answers_for(self, state: JourneyState, item: Item) -> tuple[tuple[str, str], ...]:
        return tuple((f.id, state.answers[f.id]) for f in item.form if state.answers.get(f.id))

    def _receipt(self, state: JourneyState, kind: str,
                 entries: tuple[ReceiptEntry, ...], appointment: str | None = None) -> ReceiptData:
        ident = state.identity
        items = self.items_of(state)
        title = (self.catalogue.theme(state.theme_id).name if state.theme_id else items[0].name)
        next_steps = tuple(i.next_steps for i in items if i.next_steps is not None)
        return ReceiptData(
            kind=kind, title=title, entries=entries,
            masked_name=mask_name(ident.name) if ident else "",
            masked_id_number=mask_id_number(ident.id_number) if ident else "",
            printed_at=self.clock().strftime("%Y-%m-%d %H:%M"),
            next_steps=next_steps, appointment=appointment)

    def _on_retry(self, state: JourneyState, event: Retry) -> Transition:
        if state.step.kind is StepKind.CHECK or (state.step.kind is StepKind.PREVIEW
                                                 and state.certificate is not None):
            return self._on_confirm(state, Confirm())
        if state.step.kind is StepKind.CONFIRMATION and state.receipt is not None \
                and state.receipt_printed is False:
            effect = PrintDocuments(state.receipt, identity=state.identity)
            return Transition(replace(state, pending=effect, notice=None), (effect,))
        return self._enter(replace(state, notice=None))

    def _on_finish(self, state: JourneyState, event: Finish) -> Transition:
        if state.step.kind in (StepKind.CONFIRMATION, StepKind.RESULTS):
            return Transition(replace(state, exit="done"))
        return Transition(state)

    # ---- results of effects --------------------------------------------------------------

    def _effect_result(self, state: JourneyState, event: Event) -> Transition:
        pending = state.pending
        assert pending is not None
        handler = _RESULTS.get((type(pending), type(event)))
        if handler is None:
            return Transition(state)  # taps while busy do nothing (the UI shows progress)
        return handler(self, replace(state, pending=None), event)

    def _unavailable_notice(self, result: GatewayResult[Any]) -> Message:
        if result.message is not None:
            return result.message
        if result.status is GatewayStatus.UNAVAILABLE:
            return msg("journeys.notice.offline")
        if result.status is GatewayStatus.NOT_FOUND:
            return msg("journeys.notice.not_found")
        return msg("journeys.notice.rejected")

    def _r_certificate(self, state: JourneyState, event: CertificateLoaded) -> Transition:
        if event.result.ok:
            return Transition(replace(state, certificate=event.result.value))
        return Transition(replace(state, notice=self._unavailable_notice(event.result)))

    def _r_face(self, state: JourneyState, event: FaceChecked) -> Transition:
        r = event.result
        if r.ok and r.value is not None and r.value.matched:
            return self._go(replace(state, face_verified=True), state.index + 1)
        if not r.ok:
            return Transition(replace(state, notice=self._unavailable_notice(r)))
        attempts = state.face_attempts + 1
        if attempts >= self.config.face_attempts:
            return Transition(replace(state, face_attempts=attempts, blocked=True,
                                      notice=msg("journeys.notice.face_failed_final")))
        return Transition(replace(state, face_attempts=attempts,
                                  notice=msg("journeys.notice.face_failed",
                                             left=self.config.face_attempts - attempts)))

    def _r_licence(self, state: JourneyState, event: LicenceLoaded) -> Transition:
        r = event.result
        if r.ok and r.value is not None:
            materials = dict(state.materials)
            materials[event.material_id] = MaterialEvidence(event.material_id, "licence",
                                                            licence_id=r.value.licence_id)
            return Transition(replace(state, materials=materials))
        mat = self.material(state, event.material_id)
        # No licence (or no network): photograph the paper document instead.
        if mat.document_type:
            return Transition(replace(state, camera_for=state.camera_for | {mat.id},
                                      notice=msg("journeys.notice.licence_use_camera",
                                                 name=mat.name)))
        return Transition(replace(state, notice=self._unavailable_notice(r)))

    def _r_query(self, state: JourneyState, event: QueryLoaded) -> Transition:
        if event.result.ok:
            return Transition(replace(state, query=event.result.value))
        return Transition(replace(state, notice=self._unavailable_notice(event.result)))

    def _r_cases(self, state: JourneyState, event: CasesLoaded) -> Transition:
        platform = event.platform.value if event.platform.ok and event.platform.value else ()
        known = {c.reference for c in platform}
        cases = tuple(c for c in event.local if c.reference not in known) + tuple(platform)
        cases = cases[:self.config.max_cases_shown]  # the platform lists the newest first
        notice = None
        if not event.platform.ok and event.platform.status is GatewayStatus.UNAVAILABLE:
            notice = msg("journeys.notice.cases_offline")
        elif not cases:
            notice = msg("journeys.notice.no_cases")
        return Transition(replace(state, cases=cases, notice=notice))

    def _r_halls(self, state: JourneyState, event: HallsLoaded) -> Transition:
        if event.result.ok and event.result.value:
            return Transition(replace(state, halls=event.result.value))
        return Transition(replace(state, notice=self._unavailable_notice(event.result)))

    def _r_slots(self, state: JourneyState, event: SlotsLoaded) -> Transition:
        if event.result.ok and event.result.value is not None:
            slots = event.result.value
            notice = None if any(s.remaining > 0 for s in slots) else msg("journeys.notice.no_slots")
            return Transition(replace(state, slots=slots, notice=notice))
        return Transition(replace(state, notice=self._unavailable_notice(event.result)))

    def _r_submitted(self, state: JourneyState, event: Submitted) -> Transition:
        done = [o for o in event.outcomes if o.reference is not None]
        if not done:
            failure = next((o.failure for o in event.outcomes if o.failure), None)
            return Transition(replace(state, notice=failure or msg("journeys.notice.rejected")))
        names = {i.id: i.name for i in self.items_of(state)}
        entries = tuple(ReceiptEntry(names[o.item_id], o.reference or "", o.queued) for o in done)
        receipt = self._receipt(state, "application", entries)
        notice = None
        if len(done) < len(event.outcomes):
            notice = msg("journeys.notice.partly_submitted")
        elif any(o.queued for o in done):
            sending = all(o.sending for o in done if o.queued)
            notice = msg("journeys.notice.queued_sending" if sending else "journeys.notice.queued")
        conf = self._index_of(state, StepKind.CONFIRMATION)
        effect = PrintDocuments(receipt, identity=state.identity)
        return Transition(replace(state, outcomes=event.outcomes, receipt=receipt, index=conf,
                                  notice=notice, pending=effect, errors={}), (effect,))

    def _r_booked(self, state: JourneyState, event: Booked) -> Transition:
        r = event.result
        if not r.ok or r.value is None:
            return Transition(replace(state, notice=self._unavailable_notice(r)))
        item = self.items_of(state)[0]
        hall = next(h for h in state.halls if h.id == state.hall_id)
        slot = next(s for s in state.slots if s.id == state.slot_id)
        when = f"{hall.name.zh_CN} {slot.start.replace('T', ' ')[:16]}"
        receipt = self._receipt(state, "appointment", (ReceiptEntry(item.name, r.value, False),),
                                appointment=when)
        conf = self._index_of(state, StepKind.CONFIRMATION)
        effect = PrintDocuments(receipt, identity=state.identity)
        return Transition(replace(state, outcomes=(SubmitOutcome(item.id, r.value),),
                                  receipt=receipt, index=conf, pending=effect), (effect,))

    def _r_printed(self, state: JourneyState, event: Printed) -> Transition:
        ok = event.result.ok
        if state.step.kind is StepKind.PREVIEW:
            if not ok:
                return Transition(replace(state, notice=msg("journeys.notice.print_failed")))
            conf = self._index_of(state, StepKind.CONFIRMATION)
            return Transition(replace(state, receipt_printed=True, index=conf, notice=None))
        notice = state.notice if ok else msg("journeys.notice.receipt_failed")
        return Transition(replace(state, receipt_printed=ok, notice=notice))

    # ---- views for screens (pure) --------------------------------------------------------

    def check_rows(self, state: JourneyState) -> list[CheckRow]:
        """What the check-your-answers screen lists, each with the step its 修改 link opens."""
        rows: list[CheckRow] = []
        field_step = {fid: i for i, s in enumerate(state.steps) if s.kind is StepKind.FORM
                      for fid in s.fields}
        if state.hall_id is not None:
            hall = next((h for h in state.halls if h.id == state.hall_id), None)
            if hall is not None:
                rows.append(CheckRow(LocalText(zh_CN="办理地点", en_US="Service hall"), hall.name,
                                     self._index_of(state, StepKind.HALL)))
            slot = next((s for s in state.slots if s.id == state.slot_id), None)
            if slot is not None:
                rows.append(CheckRow(LocalText(zh_CN="预约时间", en_US="Time"),
                                     slot.start.replace("T", " ")[:16],
                                     self._index_of(state, StepKind.SLOT)))
        for f in self.fields_of(self.items_of(state)):
            value = state.answers.get(f.id, "")
            if f.id not in field_step and not value:
                continue
            shown: str | LocalText = value
            if f.type == "choice":
                shown = next((c.label for c in f.choices if c.value == value), value)
            if f.type == "id_number" and value:
                shown = mask_id_number(value)
            rows.append(CheckRow(f.label, shown, field_step.get(f.id)))
        for i, s in enumerate(state.steps):
            if s.kind is StepKind.MATERIAL and s.material is not None:
                mat = self.material(state, s.material)
                ev = state.materials.get(s.material)
                status = {"camera": "journeys.material.photographed",
                          "licence": "journeys.material.from_licence",
                          "skipped": "journeys.material.skipped"}.get(
                              ev.kind if ev else "", "journeys.material.missing")
                rows.append(CheckRow(mat.name, _i18n_text(status), i))
        return rows

    def voice_prompt(self, state: JourneyState) -> Message:
        """The short spoken prompt for the current step."""
        step = state.step
        items = self.items_of(state)
        own = (self.catalogue.theme(state.theme_id).voice_prompt if state.theme_id
               else items[0].voice_prompt)
        by_reference = any("reference_number" in i.identification for i in items)
        first_after_identify = next((i for i, s in enumerate(state.steps)
                                     if s.kind in _ASKED_AFTER_IDENTIFY), None)
        if own is not None and ((step.kind is StepKind.IDENTIFY and by_reference)
                                or (not by_reference and state.index == first_after_identify)):
            return literal(own)
        if step.kind is StepKind.FORM and len(step.fields) == 1:
            f = self.field(state, step.fields[0])
            key = "journeys.voice.choose" if f.type == "choice" else "journeys.voice.enter"
            return msg(key, label=f.label)
        if step.kind is StepKind.MATERIAL and step.material is not None:
            return msg("journeys.voice.material", name=self.material(state, step.material).name)
        if step.kind is StepKind.CONFIRMATION and any(o.queued for o in state.outcomes):
            return msg("journeys.voice.confirmation_queued")
        return msg(f"journeys.voice.{step.kind.value}")

    def remind_take_card(self, state: JourneyState) -> bool:
        """At the end, remind the citizen to take the card the kiosk read."""
        return (state.identity is not None
                and state.identity.method in ("id_card", "social_security_card", "bank_card")
                and (state.finished or state.step.kind in (StepKind.CONFIRMATION,
                                                           StepKind.RESULTS)))


def _i18n_text(key: str) -> LocalText:
    from kiosk.i18n import CATALOGUE

    return LocalText(zh_CN=CATALOGUE.translate(key, "zh_CN"),
                     en_US=CATALOGUE.translate(key, "en_US"))


_Handler = Callable[[JourneyEngine, JourneyState, Event], Transition]
_HANDLERS: dict[type[Event], _Handler] = {
    IdentityRead: JourneyEngine._on_identity,  # type: ignore[dict-item]
    ReferenceEntered: JourneyEngine._on_reference,  # type: ignore[dict-item]
    FaceCaptured: JourneyEngine._on_face,  # type: ignore[dict-item]
    SetAnswer: JourneyEngine._on_set,  # type: ignore[dict-item]
    ChooseAnswer: JourneyEngine._on_set,  # type: ignore[dict-item]
    Next: JourneyEngine._on_next,  # type: ignore[dict-item]
    Back: JourneyEngine._on_back,  # type: ignore[dict-item]
    Change: JourneyEngine._on_change,  # type: ignore[dict-item]
    MaterialCaptured: JourneyEngine._on_captured,  # type: ignore[dict-item]
    UseCamera: JourneyEngine._on_use_camera,  # type: ignore[dict-item]
    SkipMaterial: JourneyEngine._on_skip,  # type: ignore[dict-item]
    PickHall: JourneyEngine._on_hall,  # type: ignore[dict-item]
    PickSlot: JourneyEngine._on_slot,  # type: ignore[dict-item]
    Confirm: JourneyEngine._on_confirm,  # type: ignore[dict-item]
    Retry: JourneyEngine._on_retry,  # type: ignore[dict-item]
    Finish: JourneyEngine._on_finish,  # type: ignore[dict-item]
}
_RESULTS: dict[tuple[type[Effect], type[Event]], _Handler] = {
    (FetchCertificate, CertificateLoaded): JourneyEngine._r_certificate,  # type: ignore[dict-item]
    (VerifyFace, FaceChecked): JourneyEngine._r_face,  # type: ignore[dict-item]
    (FetchLicence, LicenceLoaded): JourneyEngine._r_licence,  # type: ignore[dict-item]
    (RunQuery, QueryLoaded): JourneyEngine._r_query,  # type: ignore[dict-item]
    (LoadCases, CasesLoaded): JourneyEngine._r_cases,  # type: ignore[dict-item]
    (LoadHalls, HallsLoaded): JourneyEngine._r_halls,  # type: ignore[dict-item]
    (LoadSlots, SlotsLoaded): JourneyEngine._r_slots,  # type: ignore[dict-item]
    (SubmitApplications, Submitted): JourneyEngine._r_submitted,  # type: ignore[dict-item]
    (BookSlot, Booked): JourneyEngine._r_booked,  # type: ignore[dict-item]
    (PrintDocuments, Printed): JourneyEngine._r_printed,  # type: ignore[dict-item]
}
