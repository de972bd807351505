"""运维模式: the technician's screens — self-test of every check (devices included), the live
camera view (focus score, document outline; :mod:`kiosk.screens.diag_camera`), network, queue,
recent logs (masked), configuration (secrets removed), versions, and exports (bundle, readiness
report) to a USB drive; restart the app or exit to the desktop.

All slow work (checks, exports) runs on a worker thread; the result comes back by a queued
signal. Every action needs a live technician session and is audited.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.audit import audit
from kiosk.diag import logview, snapshot
from kiosk.diag.checks import Check, CheckContext, CheckResult, CheckRun, discover, run_all
from kiosk.i18n import tr
from kiosk.qt import QObject, Qt, QtWidgets, Signal
from kiosk.screens.base import Screen, register_screen
from kiosk.screens.diag_camera import CameraPanel
from kiosk.staff.auth import Mode
from kiosk.staff.qtfeature import StaffFeature, feature_of
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.textfield import TextField

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

SECTIONS = ("devices", "camera", "network", "queue", "logs", "config", "versions", "export")
RESTART_EXIT_CODE = 75  # systemd: RestartForceExitStatus=75 brings the kiosk back

def tour_results() -> dict[str, CheckResult]:
    """Fictional results for the screenshot tour (nothing is measured while the tour runs)."""
    def ok(summary: str) -> CheckResult:
        return CheckResult(True, summary, duration_ms=12.0)

    return {
        "config": ok(tr("diag.sum_config_ok", profile="production")),
        "staff_file": ok(tr("diag.sum_staff_ok", managers=2, technicians=1)),
        "disk_data": ok(tr("diag.sum_disk_ok", free=41200)),
        "disk_log": ok(tr("diag.sum_disk_ok", free=41200)),
        "log_writable": ok(tr("diag.sum_log_writable")),
        "audit_chain": ok(tr("diag.sum_audit_ok", n=1532)),
        "platform": ok(tr("diag.sum_net_ok", ms=18) + tr("diag.sum_net_cert_days", days=211)),
        "a4_status": ok(tr("diag.sum_a4_ready")),
        "idcard_sam": ok(tr("diag.sum_idcard_sam", sam="05010000202401010000000012345678")),
        "idcard_read": ok(tr("diag.sum_idcard_read_ok", ms=812)),
        "doc_camera_focus": ok(tr("diag.sum_camera_sharp", sharpness=1284.0, threshold=300.0)),
        "face_camera": ok(tr("diag.sum_face_camera_ok", faces=0, sharpness=1650.2)),
        "card_reader": ok(tr("diag.sum_card_reader_empty", reader="ACS ACR39U 00 00")),
        "receipt_status": CheckResult(False, tr("diag.sum_tour_paper_low"), error_code="PRN-010", duration_ms=85.0),
    }


class _Worker(QObject):
    done = Signal(str, object)  # tag, result — emitted on the worker, delivered on the UI thread

    def run(self, tag: str, fn: Callable[[], object]) -> None:
        def work() -> None:
            try:
                value: object = fn()
            except Exception as e:
                value = e
            try:
                self.done.emit(tag, value)
            except RuntimeError:
                # The screen went away meanwhile (app restarting, closed): nobody to tell.
                log.info("diagnostics result dropped: screen gone", extra={"fields": {"job": tag}})

        threading.Thread(target=work, name=f"diag-ui-{tag}", daemon=True).start()


@register_screen("diagnostics")
class DiagnosticsScreen(Screen):
    title_key = "diag.screen_title"

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.tour = False
        self.worker = _Worker(self)
        self.worker.done.connect(self._on_done)
        self.checks: list[Check] = []
        self.results: dict[str, CheckResult] = {}
        root = QtWidgets.QHBoxLayout(self)
        root.setContentsMargins(32, 16, 32, 16)
        root.setSpacing(24)
        self.nav_list = QtWidgets.QListWidget()
        self.nav_list.setObjectName("DiagSections")
        self.nav_list.currentRowChanged.connect(self._show_section)
        self.pages = QtWidgets.QStackedWidget()
        self.nav_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        root.addWidget(self.nav_list)
        root.addWidget(self.pages, 1)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("DiagStatus")
        self.status.setProperty("role", "body")
        self.status.setWordWrap(True)

        # devices / self-test
        self.check_table = QtWidgets.QTableWidget(0, 5)
        self.check_table.setObjectName("DiagCheckTable")
        self._table_defaults(self.check_table)
        self.check_table.horizontalHeader().setStretchLastSection(False)
        self.run_all_button = BigButton("", "primary")
        self.run_all_button.setObjectName("DiagRunAll")
        self.run_all_button.clicked.connect(lambda: self.run_checks(None))
        self.run_one_button = BigButton("", "secondary")
        self.run_one_button.clicked.connect(self._run_selected)
        # Live device states on one wrapped line (the table below has the checks).
        self.device_line = QtWidgets.QLabel()
        self.device_line.setObjectName("DiagDeviceLine")
        self.device_line.setProperty("role", "body")
        self.device_line.setWordWrap(True)
        self.pages.addWidget(self._page([self.device_line, self.check_table],
                                        [self.run_all_button, self.run_one_button]))
        # camera view: live only while this section is on screen
        self.camera_panel = CameraPanel(app)
        self.pages.addWidget(self.camera_panel)
        self._session_watch: StaffFeature | None = None
        # network
        self.net_label = QtWidgets.QLabel()
        self.net_label.setProperty("role", "body")
        self.net_label.setWordWrap(True)
        self.net_button = BigButton("", "primary")
        self.net_button.clicked.connect(lambda: self.run_checks(["network"]))
        self.pages.addWidget(self._page([self.net_label], [self.net_button]))
        # queue
        self.queue_text = self._text_view()
        self.sync_button = BigButton("", "primary")
        self.sync_button.clicked.connect(self.force_sync)
        self.pages.addWidget(self._page([self.queue_text], [self.sync_button]))
        # logs / config / versions
        self.logs_text = self._text_view()
        self.logs_button = BigButton("", "secondary")
        self.logs_button.clicked.connect(self.load_logs)
        self.pages.addWidget(self._page([self.logs_text], [self.logs_button]))
        self.config_text = self._text_view()
        self.pages.addWidget(self._page([self.config_text], []))
        self.versions_text = self._text_view()
        self.pages.addWidget(self._page([self.versions_text], []))
        # export
        self.export_path = TextField()
        self.export_path.setObjectName("DiagExportPath")
        self.bundle_button = BigButton("", "primary")
        self.bundle_button.setObjectName("DiagExportBundle")
        self.bundle_button.clicked.connect(lambda: self.export("bundle"))
        self.report_button = BigButton("", "primary")
        self.report_button.setObjectName("DiagExportReport")
        self.report_button.clicked.connect(lambda: self.export("report"))
        self.restart_button = BigButton("", "secondary")
        self.restart_button.clicked.connect(self.restart_app)
        self.exit_button = BigButton("", "secondary")
        self.exit_button.clicked.connect(self.exit_to_desktop)
        self.pages.addWidget(self._page([self.export_path], [self.bundle_button, self.report_button,
                                                             self.restart_button, self.exit_button]))

    # -- building blocks ----------------------------------------------------------------------------
    @staticmethod
    def _table_defaults(table: QtWidgets.QTableWidget) -> None:
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.setWordWrap(False)

    @staticmethod
    def _text_view() -> QtWidgets.QPlainTextEdit:
        view = QtWidgets.QPlainTextEdit()
        view.setReadOnly(True)
        view.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        view.setStyleSheet("font-family: 'DejaVu Sans Mono', 'WenQuanYi Micro Hei Mono', monospace; font-size: 18px;")
        return view

    def _page(self, widgets: list[QtWidgets.QWidget], buttons: list[BigButton]) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        for w in widgets:
            layout.addWidget(w, 1 if isinstance(w, QtWidgets.QAbstractScrollArea) else 0)
        if buttons:
            grid = QtWidgets.QGridLayout()  # two per row: long labels fit in elderly mode too
            grid.setSpacing(16)
            for i, b in enumerate(buttons):
                grid.addWidget(b, i // 2, i % 2)
            grid.setColumnStretch(2, 1)
            layout.addLayout(grid)
        if not any(isinstance(w, QtWidgets.QAbstractScrollArea) for w in widgets):
            layout.addStretch(1)
        return page

    @property
    def feature(self) -> StaffFeature | None:
        return feature_of(self.app)

    def _allowed(self) -> bool:
        f = self.feature
        session = f.auth.session if f is not None else None
        return self.tour or (session is not None and session.mode is Mode.DIAGNOSTICS)

    def _actor(self) -> str:
        f = self.feature
        session = f.auth.session if f is not None else None
        return session.staff_id if session is not None else "unknown"

    def _context(self) -> CheckContext:
        return CheckContext(self.app.config, devices=dict(self.app.devices),
                            services={"queue": self.app.offline_queue, "catalogue": self.app.catalogue})

    # -- lifecycle -----------------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        self.tour = bool(params.get("tour"))
        f = self.feature
        if not self.tour and not self._allowed():
            self.app.nav.replace("staff_login", mode=str(Mode.DIAGNOSTICS))
            return
        if self.tour and f is not None:
            f.show_preview("diagnostics", "T0042", "technician")
        if f is not None and self._session_watch is not f:
            self._session_watch = f
            f.sessionChanged.connect(self._on_staff_session)
        if self.nav_list.count() == 0:
            self.nav_list.addItems(["" for _ in SECTIONS])
        self.checks = discover()
        if self.tour:
            self.results = tour_results()
        else:
            self.results = {}
        self.export_path.set_text(str(self.app.config.diag.export_dir))
        self.retranslate()
        section = str(params.get("section", "devices"))
        self.nav_list.setCurrentRow(SECTIONS.index(section) if section in SECTIONS else 0)
        self._show_section(self.nav_list.currentRow())
        if not self.tour:
            audit("diag.enter", actor=self._actor())

    def leave(self) -> None:
        self.camera_panel.stop()
        f = self.feature
        if self.tour and f is not None:
            f.hide_preview()
        self.reset()

    def _on_staff_session(self, session: object) -> None:
        if session is None:  # logged out or expired: no camera keeps running behind the home screen
            self.camera_panel.stop()

    def reset(self) -> None:
        for view in (self.logs_text, self.config_text, self.queue_text):
            view.clear()
        self.status.clear()

    def _show_section(self, row: int) -> None:
        if not 0 <= row < len(SECTIONS):
            return
        self.pages.setCurrentIndex(row)
        section = SECTIONS[row]
        if section != "camera" or not self._allowed():
            self.camera_panel.stop()
        if not self._allowed():
            return
        if section == "camera":
            self._show_camera()
        elif section == "logs":
            self.load_logs()
        elif section == "config":
            self.config_text.setPlainText(json.dumps(snapshot.config_without_secrets(self.app.config),
                                                     ensure_ascii=False, indent=2))
            if not self.tour:
                audit("diag.view_config", actor=self._actor())
        elif section == "versions":
            self.versions_text.setPlainText(json.dumps(snapshot.versions(self._context()), ensure_ascii=False, indent=2))
        elif section == "queue":
            self.queue_text.setPlainText(json.dumps(snapshot.queue_status(self._context()), ensure_ascii=False,
                                                    indent=2, default=str))
        self._fill_tables()

    def _show_camera(self) -> None:
        if self.tour:
            if self.camera_panel.last_frame is None:
                self.camera_panel.show_tour_frame()
        elif not self.camera_panel.running and self.camera_panel.start():
            audit("diag.camera_view", actor=self._actor(), camera=self.camera_panel.selected)

    # -- actions ---------------------------------------------------------------------------------------
    def run_checks(self, only: list[str] | None) -> None:
        if not self._allowed() or self.tour:
            return
        audit("diag.selftest", actor=self._actor(), only=only)
        self.status.setText(tr("common.please_wait"))
        ctx, checks = self._context(), list(self.checks)
        self.worker.run("checks", lambda: run_all(ctx, checks, only))

    def _run_selected(self) -> None:
        row = self.check_table.currentRow()
        if 0 <= row < len(self.checks):
            self.run_checks([self.checks[row].id])

    def load_logs(self) -> None:
        if not self._allowed():
            return
        cfg = self.app.config
        if self.tour:
            lines = ['{"ts": "2026-11-22T09:31:02.114", "level": "INFO", "logger": "kiosk.idcard",'
                     ' "msg": "card read", "fields": {"id_number": "<redacted>", "ms": 812}}',
                     '{"ts": "2026-11-22T09:31:40.520", "level": "WARNING", "logger": "kiosk.printer",'
                     ' "msg": "paper low", "fields": {"code": "PRN-011"}}']
        else:
            lines = logview.recent_lines(cfg.path(cfg.paths.log_dir), 300)
            audit("diag.view_logs", actor=self._actor(), lines=len(lines))
        self.logs_text.setPlainText("\n".join(lines))
        self.logs_text.verticalScrollBar().setValue(self.logs_text.verticalScrollBar().maximum())

    def force_sync(self) -> None:
        if not self._allowed() or self.tour:
            return
        sync = getattr(self.app.offline_queue, "sync_now", None)
        if not callable(sync):
            self.status.setText("✘ " + tr("diag.queue_not_wired"))
            return
        audit("diag.queue_force_sync", actor=self._actor())
        self.worker.run("sync", sync)

    def export(self, kind: str) -> None:
        if not self._allowed() or self.tour:
            return
        from kiosk.diag import bundle, report

        out = Path(self.export_path.text().strip() or str(self.app.config.diag.export_dir))
        ctx, checks = self._context(), list(self.checks)
        actor = self._actor()

        def work() -> Path:
            runs = run_all(ctx, checks)
            path = (bundle.write_bundle if kind == "bundle" else report.write_report)(ctx, out, runs)
            audit(f"diag.{kind}_export", actor=actor, file=path.name)
            return path

        self.status.setText(tr("common.please_wait"))
        self.worker.run(f"export_{kind}", work)

    def restart_app(self) -> None:
        if not self._allowed() or self.tour:
            return
        audit("diag.restart", actor=self._actor())
        self.app.close()
        self.app.qapp.exit(RESTART_EXIT_CODE)

    def exit_to_desktop(self) -> None:
        if not self._allowed() or self.tour:
            return
        audit("diag.exit_desktop", actor=self._actor())
        self.app.close()
        self.app.qapp.exit(0)

    def _on_done(self, tag: str, value: object) -> None:
        if isinstance(value, Exception):
            self.status.setText(f"✘ {value}")
            return
        if tag == "checks" and isinstance(value, list):
            runs: list[CheckRun] = value
            for r in runs:
                self.results[r.check.id] = r.result
            failures = sum(not r.result.ok for r in runs)
            self.status.setText("✔ " + tr("diag.all_passed") if not failures
                                else "✘ " + tr("diag.report_not_ready", n=failures))
        elif tag.startswith("export_") and isinstance(value, Path):
            self.status.setText("✔ " + tr("diag.exported", path=str(value)))
        elif tag == "sync":
            self.status.setText("✔ " + tr("diag.sync_started"))
        self._fill_tables()

    # -- presentation --------------------------------------------------------------------------------------
    def _fill_tables(self) -> None:
        self.check_table.setRowCount(len(self.checks))
        for r, c in enumerate(self.checks):
            res = self.results.get(c.id)
            res_hint = tr("diag.on_demand_hint") if res is None and c.on_demand else ""
            status = "—" if res is None else ("✔ " + tr("diag.status_pass") if res.ok else "✘ " + tr("diag.status_fail"))
            values = (tr(c.title_key), status, res_hint if res is None else res.summary,
                      "" if res is None or not res.error_code else res.error_code,
                      "" if res is None else f"{res.duration_ms:.0f} ms")
            for col, v in enumerate(values):
                item = QtWidgets.QTableWidgetItem(v)
                if col == 1 and res is not None:
                    item.setForeground(Qt.GlobalColor.darkGreen if res.ok else Qt.GlobalColor.darkRed)
                self.check_table.setItem(r, col, item)
        self.check_table.resizeColumnsToContents()
        self.check_table.horizontalHeader().setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)
        parts = []
        for name, st in sorted(snapshot.device_status(self._context()).items()):
            label = tr(f"diag.device_{name}") if name in _DEVICE_NAMES else name
            if isinstance(st, dict) and "state" in st:
                usable = st["state"] in ("online", "deviceBusy")
                state = tr(f"diag.state_{st['state']}") if st["state"] in _STATES else str(st["state"])
                code = f"（{st['error_code']}）" if st.get("error_code") else ""
                parts.append(tr("diag.device_mode", device=label, mode=f"{'✔' if usable else '✘'} {state}{code}"))
            elif isinstance(st, dict):
                mode = st.get("mode")
                parts.append(tr("diag.device_mode", device=label,
                                mode=tr(f"diag.mode_{mode}") if mode in _MODES else str(mode)))
        self.device_line.setText("　·　".join(parts))
        net = self.results.get("platform")
        self.net_label.setText(tr(next((c.title_key for c in self.checks if c.id == "platform"), "diag.check_platform"))
                               + "：" + ("—" if net is None else ("✔ " if net.ok else "✘ ") + net.summary
                                        + (f"（{net.error_code}）" if net.error_code else "")))

    def retranslate(self) -> None:
        for i, s in enumerate(SECTIONS):
            item = self.nav_list.item(i)
            if item is not None:
                item.setText(tr(f"diag.section_{s}"))
        self.check_table.setHorizontalHeaderLabels([tr("diag.report_col_check"), tr("diag.report_col_status"),
                                                    tr("diag.report_col_summary"), tr("diag.report_col_code"),
                                                    tr("diag.report_col_time")])
        self.run_all_button.setText(tr("diag.run_all"))
        self.run_one_button.setText(tr("diag.run_selected"))
        self.net_button.setText(tr("diag.run_network"))
        self.sync_button.setText(tr("diag.force_sync"))
        self.logs_button.setText(tr("diag.refresh_logs"))
        self.export_path.set_label(tr("diag.export_path"), tr("diag.export_hint"))
        self.bundle_button.setText(tr("diag.export_bundle"))
        self.report_button.setText(tr("diag.export_report"))
        self.restart_button.setText(tr("diag.restart"))
        self.exit_button.setText(tr("diag.exit_desktop"))
        self.camera_panel.retranslate()
        self._fill_tables()

    def apply_theme(self, theme: Theme) -> None:
        self.nav_list.setFixedWidth(440 if theme.elderly else 300)
        self.check_table.verticalHeader().setDefaultSectionSize(theme.font_small * 2 + 8)
        self.nav_list.setStyleSheet(f"QListWidget {{ font-size: {theme.font_body}px; }}"
                                    f" QListWidget::item {{ min-height: {theme.target}px; padding: 4px 12px; }}")
        self.check_table.setStyleSheet(f"font-size: {theme.font_small}px;")

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"tour": True, "section": "devices"}, {"tour": True, "section": "camera"},
                {"tour": True, "section": "logs"}, {"tour": True, "section": "export"}]


_DEVICE_NAMES = ("idcard", "printer", "a4", "smartcard", "doc_camera", "face_camera")
_STATES = ("online", "offline", "powerOff", "noDevice", "hardwareError", "userError", "deviceBusy")
_MODES = ("simulator", "real", "disabled")
