"""The journey screen (route ``journey``): shows whatever step the engine is at.

One screen, one view per kind of step (identify, face, form question, materials, hall, slot,
check answers, certificate preview, confirmation, results). Every button sends an event to the
:class:`~kiosk.journeys.controller.JourneyController`; the view is redrawn from the new state.
It has its own 返回 / 首页 bar because 返回 here means "the previous step" (the engine decides),
not the previous screen. Effects (platform, printing) run off the UI thread; while one runs the
screen shows 正在办理 and ignores taps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.catalogue.model import FormField
from kiosk.i18n import current_language, tr
from kiosk.journeys import engine as e
from kiosk.journeys.engine import JourneyEngine, JourneyState, StepKind
from kiosk.journeys.samples import SAMPLES, sample_state
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen, register_screen
from kiosk.screens.journey_support import ItemRow, local, services
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton, repolish
from kiosk.ui.widgets.icons import id_card_pixmap
from kiosk.ui.widgets.keypad import NumericKeypad
from kiosk.ui.widgets.textfield import TextField

if TYPE_CHECKING:
    from kiosk.app import KioskApp

NUMERIC_TYPES = ("phone", "number")


def _on_tap(button: QtWidgets.QPushButton, action: Callable[[], None]) -> None:
    """Connect a tap to ``action``. A plain zero-argument closure: lambdas with default
    arguments on ``clicked(bool)`` crashed PySide6 at exit once thousands of buttons had come
    and gone (bool refcount underflow)."""
    button.clicked.connect(lambda: action())


def _on_text(edit: QtWidgets.QLineEdit, action: Callable[[str], None]) -> None:
    edit.textChanged.connect(lambda text: action(text))


def _pair(label: str, value: str) -> str:
    """``标签：值`` in Chinese, ``Label: value`` in English."""
    return f"{label}：{value}" if current_language() == "zh_CN" else f"{label}: {value}"


def _label(text: str, role: str = "body", wrap: bool = True) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


@register_screen("journey")
class JourneyScreen(Screen):
    show_page_bar = False

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.svc = services(app)
        self.svc.controller.on_change = self._on_state
        self._theme: Theme = app.theme
        self._last_step: tuple[int, str] | None = None
        self._typing = False
        self.fields: dict[str, TextField] = {}
        root = QtWidgets.QVBoxLayout(self)
        self._root = root
        bar = QtWidgets.QHBoxLayout()
        self.back_button = BigButton("", "secondary")
        self.back_button.setObjectName("JourneyBack")
        self.back_button.clicked.connect(lambda: self._send(e.Back()))
        titles = QtWidgets.QVBoxLayout()
        titles.setSpacing(0)
        self.title_label = _label("", "heading")
        self.step_label = _label("", "muted", wrap=False)
        titles.addWidget(self.title_label)
        titles.addWidget(self.step_label)
        self.home_button = BigButton("", "secondary")
        self.home_button.setObjectName("JourneyHome")
        self.home_button.clicked.connect(lambda: self._send(e.Home()))
        bar.addWidget(self.back_button)
        bar.addLayout(titles, 1)
        bar.addWidget(self.home_button)
        root.addLayout(bar)
        self.notice = _label("", "body")
        self.notice.setObjectName("JourneyNotice")
        self.notice.hide()
        root.addWidget(self.notice)
        # Each step is drawn into fresh container widgets, and the old ones are deleted whole:
        # no layout surgery (taking nested layouts out of a layout crashed PySide6 at exit).
        self.body_frame = QtWidgets.QFrame()
        self.body_frame.setProperty("role", "card")
        self._body_host = QtWidgets.QVBoxLayout(self.body_frame)
        self._body_host.setContentsMargins(0, 0, 0, 0)
        root.addWidget(self.body_frame, 1)
        self._actions_host = QtWidgets.QHBoxLayout()
        self._actions_host.setContentsMargins(0, 0, 0, 0)
        root.addLayout(self._actions_host)
        self._page: QtWidgets.QWidget | None = None
        self._page_actions: QtWidgets.QWidget | None = None
        self.body = QtWidgets.QVBoxLayout()
        self.action_bar = QtWidgets.QHBoxLayout()
        self._new_page()
        self.busy = _label("", "heading")
        self.busy.setObjectName("JourneyBusy")
        self.busy.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.busy.hide()
        root.addWidget(self.busy)

    # --- plumbing ---------------------------------------------------------------------------
    @property
    def engine(self) -> JourneyEngine:
        return self.svc.engine

    @property
    def state(self) -> JourneyState | None:
        return self.svc.controller.state

    def _send(self, event: e.Event) -> None:
        if self.state is None:
            self.app.nav.home()
            return
        self.svc.controller.send(event)

    def _on_state(self, state: JourneyState | None) -> None:
        if self.app.nav.current_screen is not self:
            return
        if state is None or self._typing:
            return
        if state.exit is not None:
            exit_ = state.exit
            if state.identity is not None and state.exit == "done":
                for item_id in state.item_ids:
                    self.svc.history.record(state.identity.id_number, item_id,
                                            self.svc.consent_history)
            self.svc.controller.wipe()
            if exit_ == "back":
                self.app.nav.back()
            elif exit_ == "done":
                # 完成: the citizen is done — the visit ends here (identity, answers, temp files),
                # not only when the idle timeout would notice, and the next citizen starts clean.
                self.app.end_session("finished")
            else:
                self.app.nav.home()
            return
        self._render(state)

    def enter(self, **params: Any) -> None:
        sample = params.get("sample")
        if isinstance(sample, str):
            self.svc.controller.state = sample_state(self.engine, sample)
        self._last_step = None
        if self.state is not None:
            self._render(self.state)

    def leave(self) -> None:
        self._last_step = None

    def _new_page(self) -> None:
        for old in (self._page, self._page_actions):
            if old is not None:
                old.hide()
                old.deleteLater()
        self._page = QtWidgets.QWidget()
        self._page.setObjectName("JourneyPage")
        self.body = QtWidgets.QVBoxLayout(self._page)
        m = self._theme.margin
        self.body.setContentsMargins(m, m // 2, m, m // 2)
        self.body.setSpacing(self._theme.spacing // 2)
        self._page_actions = QtWidgets.QWidget()
        self.action_bar = QtWidgets.QHBoxLayout(self._page_actions)
        self.action_bar.setContentsMargins(0, 0, 0, 0)
        self._body_host.addWidget(self._page)
        self._actions_host.addWidget(self._page_actions)

    def reset(self) -> None:
        self._new_page()
        self.fields = {}
        self.notice.hide()
        self.title_label.setText("")

    # --- drawing ----------------------------------------------------------------------------
    def _render(self, state: JourneyState) -> None:
        step = state.step
        cat = self.engine.catalogue
        title = (cat.theme(state.theme_id).name if state.theme_id
                 else cat.item(state.item_ids[0]).name)
        self.title_label.setText(local(title))
        self.step_label.setText(self._step_text(state))
        self.back_button.setText("‹ " + tr("common.back"))
        self.home_button.setText("⌂ " + tr("common.home"))
        if state.notice is not None:
            self.notice.setText(("⚠ " if state.step.kind is not StepKind.CONFIRMATION else "ⓘ ")
                                + state.notice.render(current_language()))
            self.notice.setProperty("severity", "warning")
            repolish(self.notice)
            self.notice.show()
        else:
            self.notice.hide()
        busy = state.pending is not None
        self.busy.setText(tr("journeys.ui.working"))
        self.busy.setVisible(busy)
        self.body_frame.setEnabled(not busy)
        key = (state.index, step.kind.value)
        # Rebuild the view on a new step (or after an error / new data); keep typed text.
        self._new_page()
        self.fields = {}
        view = getattr(self, f"_view_{step.kind.value}")
        view(state)
        for i in range(self.action_bar.count()):
            item = self.action_bar.itemAt(i)
            w = item.widget() if item is not None else None
            if w is not None and busy:
                w.setEnabled(False)
        if key != self._last_step:
            self._last_step = key
            if self.app.config.ui.voice_prompts:
                self.app.speak(self.engine.voice_prompt(state).render(current_language()))

    def _step_text(self, state: JourneyState) -> str:
        step = state.step
        text = tr(f"journeys.step.{step.kind.value}")
        if step.kind is StepKind.FORM and step.pages > 1:
            text += "  ·  " + tr("journeys.step.question_of", n=step.page, total=step.pages)
        return text

    def _button(self, text: str, on_click: Callable[[], None] | None, variant: str,
                name: str) -> BigButton:
        b = BigButton(text, variant)
        b.setObjectName(name)
        b.setMinimumWidth(self._theme.target * 4)
        if on_click is None:
            b.setEnabled(False)
        else:
            _on_tap(b, on_click)
        return b

    def _tap_sends(self, button: QtWidgets.QPushButton, event: e.Event) -> None:
        _on_tap(button, lambda: self._send(event))

    def _action(self, text: str, event: e.Event, variant: str = "primary",
                name: str = "") -> BigButton:
        return self._button(text, lambda: self._send(event), variant, name)

    def _primary(self, text: str, event: e.Event, name: str = "JourneyNext") -> BigButton:
        return self._primary_cb(text, lambda: self._send(event), name)

    def _primary_cb(self, text: str, on_click: Callable[[], None] | None,
                    name: str) -> BigButton:
        self.action_bar.addStretch(1)
        b = self._button(text, on_click, "primary", name)
        self.action_bar.addWidget(b)
        return b

    # identify
    def _view_identify(self, state: JourneyState) -> None:
        items = self.engine.items_of(state)
        methods = [m for m in items[0].identification if m != "reference_number"]
        edge = self._theme.button_height * 2
        pic = QtWidgets.QLabel()
        pic.setPixmap(id_card_pixmap(edge, self._theme.palette.primary,
                                     self._theme.palette.surface))
        self.body.addWidget(pic, 0, Qt.AlignmentFlag.AlignHCenter)
        key = "journeys.ui.insert_ssc" if methods == ["social_security_card"] \
            else "journeys.ui.insert_card"
        head = _label(tr(key), "title")
        head.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(head)
        accepted = " / ".join(tr(f"catalogue.ident.{m}") for m in methods)
        sub = _label(_pair(tr("catalogue.identification_needed"), accepted), "muted")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(sub)
        if all("reference_number" in i.identification for i in items):
            self.body.addSpacing(self._theme.spacing)
            field = TextField(tr("journeys.ui.reference_label"), tr("journeys.ui.or_reference"))
            field.setObjectName("ReferenceField")
            error = state.errors.get("reference")
            field.set_error(error.render(current_language()) if error else None)
            self.fields["reference"] = field
            self.body.addWidget(field)
            self._primary_cb(tr("common.next"),
                             lambda: self._send(e.ReferenceEntered(field.text())), "ReferenceGo")
        self.body.addStretch(1)

    # face
    def _view_face(self, state: JourneyState) -> None:
        head = _label(tr("journeys.voice.face"), "title")
        head.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(head)
        frame = QtWidgets.QFrame()
        frame.setProperty("role", "banner")
        frame.setObjectName("FaceFrame")
        frame.setMinimumHeight(self._theme.button_height * 4)
        inner = QtWidgets.QVBoxLayout(frame)
        hint = _label(tr("journeys.ui.face_hint"), "muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(hint)
        self.body.addWidget(frame, 1)
        # The face camera is wired by the composition root: capture(callback(image_bytes)).
        capture = getattr(self.app, "journey_capture_face", None)
        self._primary_cb(tr("journeys.ui.take_photo"),
                         (lambda: capture(lambda image: self._send(e.FaceCaptured(image))))
                         if callable(capture) else None, "CaptureFace")

    # form
    def _view_form(self, state: JourneyState) -> None:
        lang = current_language()
        step = state.step
        if state.errors:
            summary = QtWidgets.QFrame()
            summary.setObjectName("ErrorSummary")
            summary.setProperty("role", "banner")
            box = QtWidgets.QVBoxLayout(summary)
            box.addWidget(_label(tr("journeys.error.summary"), "heading"))
            for fid in step.fields:
                if fid in state.errors:
                    err = _label("• " + state.errors[fid].render(lang), "body")
                    err.setProperty("severity", "error")
                    box.addWidget(err)
            self.body.addWidget(summary)
        one = len(step.fields) == 1
        for fid in step.fields:
            f = self.engine.field(state, fid)
            error = state.errors.get(fid)
            if f.type == "choice":
                self._choice(f, state, error.render(lang) if error else None, one)
            else:
                self._text_field(f, state, error.render(lang) if error else None, one)
        self.body.addStretch(1)
        self._primary(tr("common.next"), e.Next())

    def _text_field(self, f: FormField, state: JourneyState, error: str | None,
                    big: bool) -> None:
        hint = local(f.hint) if f.hint else ""
        field = TextField(local(f.label), hint, numeric=f.type in NUMERIC_TYPES,
                          max_length=f.max_length)
        field.setObjectName(f"Field_{f.id}")
        if big:
            field.label.setProperty("role", "title")
        field.set_text(state.answers.get(f.id, ""))
        field.set_error(error)
        _on_text(field.edit, lambda text: self._typed(f.id, text))
        self.fields[f.id] = field
        if big and f.type in NUMERIC_TYPES:
            # One numeric question: the on-screen keypad beside the field (no keyboard pop-up).
            row = QtWidgets.QHBoxLayout()
            row.addWidget(field, 1, Qt.AlignmentFlag.AlignTop)
            pad = NumericKeypad(field.edit)
            pad.setObjectName("JourneyKeypad")
            key = min(self._theme.keypad_key, 100)  # fits under an error summary
            pad.setFixedSize(pad.width_for(key), 4 * key + 3 * 12)
            row.addWidget(pad)
            self.body.addLayout(row)
        else:
            self.body.addWidget(field)

    def _typed(self, field_id: str, text: str) -> None:
        """Typing updates the answer (and clears a fixed error) without rebuilding the view."""
        self._typing = True
        try:
            self.svc.controller.send(e.SetAnswer(field_id, text))
        finally:
            self._typing = False
        state = self.state
        if state is not None:
            for fid, field in self.fields.items():
                err = state.errors.get(fid)
                field.set_error(err.render(current_language()) if err else None)

    def _choice(self, f: FormField, state: JourneyState, error: str | None, big: bool) -> None:
        label = _label(local(f.label), "title" if big else "heading")
        self.body.addWidget(label)
        if error:
            err = _label(error, "body")
            err.setProperty("severity", "error")
            self.body.addWidget(err)
        row = QtWidgets.QGridLayout()
        per_row = 1 if self._theme.elderly else 2
        current = state.answers.get(f.id)
        for n, c in enumerate(f.choices):
            b = BigButton(("● " if c.value == current else "○ ") + local(c.label), "toggle")
            b.setObjectName(f"Choice_{f.id}_{c.value}")
            b.setCheckable(True)
            b.setChecked(c.value == current)
            self._tap_sends(b, e.ChooseAnswer(f.id, c.value))
            row.addWidget(b, n // per_row, n % per_row)
        self.body.addLayout(row)

    # materials
    def _view_material(self, state: JourneyState) -> None:
        mid = state.step.material or ""
        m = self.engine.material(state, mid)
        head = _label(local(m.name), "title")
        self.body.addWidget(head)
        have = state.materials.get(mid)
        if have is not None and have.kind == "licence":
            status = "✓ " + tr("journeys.material.from_licence")
        elif have is not None and have.kind == "camera":
            status = "✓ " + tr("journeys.material.photographed") + f" ({len(have.images)})"
        else:
            status = tr("journeys.voice.material", name=local(m.name))
        self.body.addWidget(_label(status, "heading"))
        if state.errors.get(mid):
            err = _label(state.errors[mid].render(current_language()), "body")
            err.setProperty("severity", "error")
            self.body.addWidget(err)
        self.body.addStretch(1)
        # The document camera: capture(document_type, callback(tuple_of_page_images)).
        capture = getattr(self.app, "journey_capture_document", None)
        if have is None or have.kind != "licence":
            self.action_bar.addWidget(self._button(
                tr("journeys.ui.take_photo"),
                (lambda: capture(m.document_type,
                                 lambda images: self._send(e.MaterialCaptured(mid, images))))
                if callable(capture) else None, "secondary", "CaptureDoc"))
        elif m.document_type:
            self.action_bar.addWidget(self._action(tr("journeys.ui.use_camera"), e.UseCamera(mid),
                                                "quiet", "UseCamera"))
        if not m.required and have is None:
            self.action_bar.addWidget(self._action(tr("journeys.ui.skip"), e.SkipMaterial(mid),
                                                "quiet", "SkipMaterial"))
        self._primary(tr("common.next"), e.Next())

    # appointments
    def _view_hall(self, state: JourneyState) -> None:
        for hall in state.halls:
            row = ItemRow()
            row.show_entry(hall.id, local(hall.name), local(hall.address),
                           max(self._theme.target, self._theme.font_heading * 3))
            self._tap_sends(row, e.PickHall(hall.id))
            self.body.addWidget(row)
        self.body.addStretch(1)

    def _view_slot(self, state: JourneyState) -> None:
        grid = QtWidgets.QGridLayout()
        per_row = 2 if self._theme.elderly else 3
        for n, slot in enumerate(state.slots):
            when = slot.start.replace("T", " ")[5:16] + "–" + slot.end[11:16]
            left = (tr("journeys.ui.remaining", n=slot.remaining) if slot.remaining > 0
                    else tr("journeys.ui.no_remaining"))
            b = BigButton(f"{when}\n{left}", "secondary")
            b.setObjectName(f"Slot_{slot.id}")
            b.setEnabled(slot.remaining > 0)
            b.setMinimumHeight(self._theme.button_height + self._theme.font_body)
            self._tap_sends(b, e.PickSlot(slot.id))
            grid.addWidget(b, n // per_row, n % per_row)
        self.body.addLayout(grid)
        self.body.addStretch(1)

    # check answers
    def _view_check(self, state: JourneyState) -> None:
        grid = QtWidgets.QGridLayout()
        grid.setColumnStretch(1, 1)
        for n, row in enumerate(self.engine.check_rows(state)):
            grid.addWidget(_label(local(row.label), "muted", wrap=False), n, 0)
            value = row.value if isinstance(row.value, str) else local(row.value)
            grid.addWidget(_label(value, "body"), n, 1)
            if row.change_step is not None:
                link = BigButton(tr("common.change"), "link")
                link.setObjectName(f"Change_{n}")
                self._tap_sends(link, e.Change(row.change_step))
                grid.addWidget(link, n, 2)
            else:
                grid.addWidget(_label(tr("journeys.ui.from_card"), "small", wrap=False), n, 2)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        if state.notice is not None:
            # The submit (or booking) did not go through — e.g. an online-only item while the
            # network is down. The answers are all still here: one tap tries again, with the
            # same application id, so the platform never receives it twice.
            self._primary(tr("common.retry"), e.Retry(), "JourneyRetry")
            return
        key = "journeys.ui.book" if state.kind == "appointment" else "journeys.ui.submit"
        self._primary(tr(key), e.Confirm(), "JourneySubmit")

    # print items
    def _view_preview(self, state: JourneyState) -> None:
        cert = state.certificate
        if cert is not None:
            self.body.addWidget(_label(local(cert.title), "title"))
            grid = QtWidgets.QGridLayout()
            grid.setColumnStretch(1, 1)
            for n, row in enumerate(cert.rows):
                grid.addWidget(_label(local(row.label), "muted", wrap=False), n, 0)
                grid.addWidget(_label(row.value, "body"), n, 1)
            self.body.addLayout(grid)
        self.body.addStretch(1)
        if cert is None and state.notice is not None:
            self._primary(tr("common.retry"), e.Retry(), "JourneyRetry")
        elif cert is not None:
            self._primary(tr("journeys.ui.print"), e.Confirm(), "JourneyPrint")

    # the end
    def _view_confirmation(self, state: JourneyState) -> None:
        queued = any(o.queued for o in state.outcomes)
        head = _label(("✓ " + tr("journeys.ui.done_queued")) if queued
                      else ("✓ " + tr("journeys.ui.done")), "title")
        self.body.addWidget(head)
        names = {i.id: i.name for i in self.engine.items_of(state)}
        for o in state.outcomes:
            if o.reference is None:
                failed = _label("✗ " + _pair(local(names[o.item_id]),
                                             o.failure.render(current_language())
                                             if o.failure else ""),
                                "body")
                failed.setProperty("severity", "error")
                self.body.addWidget(failed)
                continue
            badge = f"  [{tr('journeys.ui.queued_badge')}]" if o.queued else ""
            self.body.addWidget(_label(local(names[o.item_id]), "heading"))
            ref = _label(_pair(tr('journeys.ui.reference_number'), o.reference + badge), "title")
            ref.setObjectName("ReferenceNumber")
            ref.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            self.body.addWidget(ref)
        if state.kind == "print" and state.certificate is not None:
            self.body.addWidget(_label(tr("journeys.ui.certificate_printed"), "heading"))
        steps = [local(i.next_steps) for i in self.engine.items_of(state) if i.next_steps]
        if steps:
            self.body.addWidget(_label(tr("journeys.ui.next_steps"), "heading"))
            for s in steps:
                self.body.addWidget(_label("• " + s, "body"))
        if state.receipt_printed is False:
            self.action_bar.addWidget(self._action(tr("common.retry"), e.Retry(), "secondary",
                                                "ReprintReceipt"))
        self.body.addStretch(1)
        if self.engine.remind_take_card(state):
            take = _label("⚠ " + tr("journeys.ui.take_card"), "heading")
            take.setObjectName("TakeCard")
            take.setProperty("severity", "warning")
            self.body.addWidget(take)
        self._primary(tr("journeys.ui.finish"), e.Finish(), "JourneyFinish")

    def _view_results(self, state: JourneyState) -> None:
        lang = current_language()
        if state.query is not None:
            grid = QtWidgets.QGridLayout()
            grid.setColumnStretch(1, 1)
            for n, row in enumerate(state.query.rows):
                grid.addWidget(_label(local(row.label), "muted", wrap=False), n, 0)
                grid.addWidget(_label(row.value, "body"), n, 1)
            self.body.addLayout(grid)
        for case in state.cases:
            card = QtWidgets.QFrame()
            card.setProperty("role", "banner")
            box = QtWidgets.QVBoxLayout(card)
            box.addWidget(_label(case.item_name.get(lang), "heading"))
            status = _label(_pair(tr('journeys.ui.reference_number'), case.reference) + "   "
                            + tr(f"journeys.case_status.{case.status}"), "body")
            box.addWidget(status)
            box.addWidget(_label(case.updated_at, "small"))
            self.body.addWidget(card)
        self.body.addStretch(1)
        if self.engine.remind_take_card(state):
            take = _label("⚠ " + tr("journeys.ui.take_card"), "heading")
            take.setProperty("severity", "warning")
            self.body.addWidget(take)
        self._primary(tr("journeys.ui.finish"), e.Finish(), "JourneyFinish")

    # --- Screen API -------------------------------------------------------------------------
    def retranslate(self) -> None:
        if self.state is not None and self.app.nav.current_screen is self:
            self._render(self.state)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        m = theme.margin
        self._root.setContentsMargins(m, m // 3, m, m // 3)
        self._root.setSpacing(theme.spacing // 2)
        if self.state is not None and self.app.nav.current_screen is self:
            self._render(self.state)

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"sample": name} for name in SAMPLES]
