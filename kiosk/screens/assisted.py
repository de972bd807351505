"""协办操作: what a logged-in lobby manager may do for the citizen beside them. Every button goes
through :class:`kiosk.staff.assisted.AssistedService` (role check, reason, audit); this screen
only asks for the reason and shows the result. Queue and receipt lists are masked by the service.

补打凭条: the first tap lists the receipts this kiosk printed lately; pick one (or a row of the queue
lists), tap again, give the reason. The reprint waits on the printer, so it runs on a staff worker
and the buttons are disabled until the result comes back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen, register_screen
from kiosk.staff.assisted import Action, ActionResult, MaskedQueueEntry
from kiosk.staff.auth import Mode
from kiosk.staff.qtfeature import StaffFeature, feature_of
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from kiosk.app import KioskApp

EXTEND_STEP_S = 300

# Fictional, already-masked rows for the screenshot tour only.
TOUR_ROWS = [
    MaskedQueueEntry("a1", "SH20261122-0007", "社会保险关系转移", "rejected", 5, "字段 联系电话 格式不正确",
                     "王**", "1301**********0021", "2026-11-22 09:12"),
    MaskedQueueEntry("a2", "SH20261122-0011", "住房公积金提取", "rejected", 5, "缺少材料：租房合同",
                     "李*", "1304**********432X", "2026-11-22 10:05"),
]
TOUR_RECEIPTS = [
    MaskedQueueEntry("", "ZW2026112200012346", "社会保险个人权益记录查询打印", "delivered", 0, "",
                     "张**", "1101**********1234", "11-22 09:41"),
    MaskedQueueEntry("", "ZW2026112200012345", "城乡居民养老保险参保登记", "queued", 0, "",
                     "赵*", "3101**********0048", "11-22 09:30"),
]
STATE_KEYS = ("pending", "rejected", "sending", "failed", "queued", "delivered")


def result_text(result: ActionResult, ok_key: str, **params: Any) -> str:
    if result.ok:
        return "✔ " + tr(ok_key, **params)
    return "✘ " + tr(result.message_key or "staff.err_failed") + (f"（{result.error_code}）" if result.error_code else "")


@register_screen("assisted")
class AssistedScreen(Screen):
    title_key = "staff.assisted_title"

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.tour = False
        self.rows: list[MaskedQueueEntry] = []
        self.list_kind = ""
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(48, 20, 48, 20)
        root.setSpacing(20)
        self.action_grid = QtWidgets.QGridLayout()
        self.action_grid.setSpacing(16)
        self.buttons: dict[str, BigButton] = {}
        # Back/home are in the page bar and log-out is on the banner: not repeated here.
        for name in ("extend", "manual_identity", "reprint", "queue", "dead_letters", "pause"):
            b = BigButton("", "primary" if name == "extend" else "secondary")
            b.setObjectName(f"Assisted_{name}")
            b.clicked.connect(lambda _=False, n=name: self.on_action(n))
            self.buttons[name] = b
        self._layout_actions(3)
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(16)
        self.result = QtWidgets.QLabel()
        self.result.setObjectName("AssistedResult")
        self.result.setProperty("role", "heading")
        self.result.setWordWrap(True)
        self.list_title = QtWidgets.QLabel()
        self.list_title.setProperty("role", "heading")
        self.table = QtWidgets.QTableWidget(0, 6)
        self.table.setObjectName("AssistedQueueTable")
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.redrive_button = BigButton("", "primary")
        self.redrive_button.setObjectName("AssistedRedrive")
        self.redrive_button.clicked.connect(self.on_redrive)
        right.addWidget(self.result)
        right.addWidget(self.list_title)
        right.addWidget(self.table, 1)
        right.addWidget(self.redrive_button, 0, Qt.AlignmentFlag.AlignLeft)
        root.addLayout(self.action_grid)
        root.addLayout(right, 1)
        self.dialog = ReasonDialog(self)

    def _layout_actions(self, columns: int) -> None:
        for b in self.buttons.values():
            self.action_grid.removeWidget(b)
        for i, b in enumerate(self.buttons.values()):
            self.action_grid.addWidget(b, i // columns, i % columns)

    # -- helpers ------------------------------------------------------------------------------------
    @property
    def feature(self) -> StaffFeature | None:
        return feature_of(self.app)

    def _allowed(self) -> bool:
        f = self.feature
        session = f.auth.session if f is not None else None
        return session is not None and session.mode is Mode.ASSISTED

    def enter(self, **params: Any) -> None:
        self.tour = bool(params.get("tour"))
        f = self.feature
        if self.tour and f is not None:
            f.show_preview("assisted", "M0001", "manager")
            if params.get("list") == "receipts":
                self.show_rows("receipts", TOUR_RECEIPTS)
                self.result.setText("✔ " + tr("staff.done_reprint"))
            else:
                self.show_rows("dead_letters", TOUR_ROWS)
                self.result.setText("✔ " + tr("staff.done_extend", minutes=EXTEND_STEP_S // 60))
            self.table.selectRow(0)
        elif not self._allowed():
            # Unreachable without a manager session: straight to the login.
            self.app.nav.replace("staff_login", mode=str(Mode.ASSISTED))
            return
        self.retranslate()

    def leave(self) -> None:
        f = self.feature
        if self.tour and f is not None:
            f.hide_preview()
        self.dialog.close_dialog()
        self.reset()

    def set_busy(self, busy: bool) -> None:
        for b in (*self.buttons.values(), self.redrive_button):
            b.setEnabled(not busy)
        if busy:
            self.result.setText(tr("common.please_wait"))

    def reset(self) -> None:
        self.rows = []
        self.table.setRowCount(0)
        self.result.clear()
        self.list_kind = ""

    def show_rows(self, kind: str, rows: Sequence[MaskedQueueEntry]) -> None:
        self.list_kind = kind
        self.rows = list(rows)
        self.table.setRowCount(len(self.rows))
        for r, e in enumerate(self.rows):
            last = e.created if kind == "receipts" else e.last_error
            for c, value in enumerate((e.reference, e.item_name, e.applicant, e.id_number,
                                       tr(f"staff.state_{e.state}") if e.state in STATE_KEYS else e.state,
                                       last)):
                self.table.setItem(r, c, QtWidgets.QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.setCurrentCell(-1, -1)  # acting on a row takes an explicit pick
        self.retranslate()

    # -- actions --------------------------------------------------------------------------------------
    def on_action(self, name: str) -> None:
        f = self.feature
        if f is None or self.tour:
            return
        svc = f.assisted
        if name == "extend":
            self.result.setText(result_text(svc.extend_timeout(EXTEND_STEP_S), "staff.done_extend",
                                            minutes=EXTEND_STEP_S // 60))
        elif name == "manual_identity":
            self.dialog.ask(tr("staff.ask_manual_identity"), [tr("staff.preset_face_failed"), tr("staff.preset_face_unsuitable")],
                            lambda reason: self.result.setText(result_text(
                                svc.accept_manual_identity(reason), "staff.done_manual_identity")))
        elif name == "reprint":
            reference = self._selected_reference()
            if not reference:
                self._list_receipts()
                return
            self.dialog.ask(tr("staff.ask_reprint", reference=reference),
                            [tr("staff.preset_paper_jam"), tr("staff.preset_receipt_lost")],
                            lambda reason: self._reprint(reference, reason))
        elif name in ("queue", "dead_letters"):
            result = svc.view_queue() if name == "queue" else svc.view_dead_letters()
            if result.ok:
                self.show_rows(name, result.data)
                self.result.clear()
            else:
                self.result.setText(result_text(result, "staff.done_extend"))
        elif name == "pause":
            if f.service_state.state.paused:
                self.result.setText(result_text(svc.resume(), "staff.done_resume"))
            else:
                self.dialog.ask(tr("staff.ask_pause"), [tr("staff.preset_device_fault"), tr("staff.preset_branch_closed"),
                                                        tr("staff.preset_paper")],
                                lambda reason: self.result.setText(result_text(svc.pause(reason), "staff.done_pause")))
        self.retranslate()

    def _selected_reference(self) -> str:
        row = self.table.currentRow()
        return self.rows[row].reference if 0 <= row < len(self.rows) else ""

    def _list_receipts(self) -> None:
        f = self.feature
        if f is None:
            return
        result = f.assisted.view_receipts()
        if not result.ok:
            self.result.setText(result_text(result, "staff.done_reprint"))
        else:
            self.show_rows("receipts", result.data)
            self.result.setText(tr("staff.pick_receipt" if result.data else "staff.no_receipts"))
        self.retranslate()

    def _reprint(self, reference: str, reason: str) -> None:
        f = self.feature
        if f is None:
            return
        svc = f.assisted
        self.set_busy(True)
        f.run_action(Action.REPRINT_RECEIPT, lambda: svc.reprint_receipt(reference, reason), self._reprinted)

    def _reprinted(self, result: ActionResult) -> None:
        self.set_busy(False)
        self.result.setText(result_text(result, "staff.done_reprint"))

    def on_redrive(self) -> None:
        f = self.feature
        row = self.table.currentRow()
        if f is None or self.tour or self.list_kind != "dead_letters" or not 0 <= row < len(self.rows):
            return
        entry = self.rows[row]
        self.dialog.ask(tr("staff.ask_redrive", reference=entry.reference),
                        [tr("staff.preset_corrected"), tr("staff.preset_platform_back")],
                        lambda reason: self.result.setText(result_text(
                            f.assisted.redrive(entry.application_id, reason), "staff.done_redrive")))

    # -- presentation ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        f = self.feature
        paused = f is not None and f.service_state.state.paused
        texts = {"extend": tr("staff.action_extend", minutes=EXTEND_STEP_S // 60),
                 "manual_identity": tr("staff.action_manual_identity"),
                 "reprint": tr("staff.action_reprint"), "queue": tr("staff.action_queue"),
                 "dead_letters": tr("staff.action_dead_letters"),
                 "pause": tr("staff.action_resume" if paused else "staff.action_pause")}
        for name, b in self.buttons.items():
            b.setText(texts[name])
        self.list_title.setText(tr({"dead_letters": "staff.list_dead_letters", "queue": "staff.list_queue",
                                    "receipts": "staff.list_receipts"}.get(self.list_kind, "staff.list_none")))
        last = "printed" if self.list_kind == "receipts" else "error"
        self.table.setHorizontalHeaderLabels([tr(f"staff.col_{c}") for c in
                                              ("reference", "item", "applicant", "id_number", "state", last)])
        self.redrive_button.setText(tr("staff.action_redrive"))
        self.redrive_button.setVisible(self.list_kind == "dead_letters")

    def apply_theme(self, theme: Theme) -> None:
        for b in self.buttons.values():
            b.setMinimumHeight(theme.button_height)
        self.redrive_button.setStyleSheet(f"min-width: {theme.target * 5}px;")

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"tour": True}, {"tour": True, "list": "receipts"}]
