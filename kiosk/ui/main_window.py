"""The kiosk window: header, page bar (返回 / title / 首页), the screen stack, the status bar.

Kiosk mode: frameless and full screen; keyboard escapes (Alt+F4, Ctrl+Q, Ctrl+W, Esc, Alt+Space,
the Super key) are swallowed by :class:`KeyGuard` and ``closeEvent`` is refused unless the app
shuts down on purpose. A hidden technician gesture (5 taps in the top-right corner within 3 s)
emits ``technicianGestureDetected``; the diagnostics feature decides what it opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.i18n import current_language, tr
from kiosk.qt import QEvent, QObject, Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from kiosk.ui.qtvalues import ALIGN_CENTER, ALIGN_RIGHT, make_frameless, set_alignment
from kiosk.ui.statusbar import StatusBar
from kiosk.ui.theme import HEADER_EMBLEM_INSET, Theme
from kiosk.ui.widgets.buttons import BigButton

TECH_TAPS = 5
TECH_WINDOW_S = 3.0
TECH_CORNER_PX = 140


class TapSequence:
    """Counts taps inside a corner; ``tap()`` is True when ``count`` land within ``window_s``."""

    def __init__(self, count: int = TECH_TAPS, window_s: float = TECH_WINDOW_S) -> None:
        self.count = count
        self.window_s = window_s
        self._times: list[float] = []

    def tap(self, in_corner: bool, now: float) -> bool:
        if not in_corner:
            self._times.clear()
            return False
        self._times = [t for t in self._times if now - t <= self.window_s] + [now]
        if len(self._times) >= self.count:
            self._times.clear()
            return True
        return False


def is_escape_key(event: QtGui.QKeyEvent) -> bool:
    """Keys that could close, hide or leave the kiosk window."""
    key = event.key()
    mods = event.modifiers()
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    if key in (Qt.Key.Key_Escape, Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
               Qt.Key.Key_Close, Qt.Key.Key_Exit, Qt.Key.Key_Standby, Qt.Key.Key_Sleep,
               Qt.Key.Key_PowerOff):
        return True
    if alt and key in (Qt.Key.Key_F4, Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_F2):
        return True
    if ctrl and key in (Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_Escape, Qt.Key.Key_F4):
        return True
    return key == Qt.Key.Key_F11


_KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease})


class KeyGuard(QObject):
    """Application-wide filter that swallows escape keys (and the shortcuts they would trigger)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.swallowed = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() in _KEY_EVENTS
                and isinstance(event, QtGui.QKeyEvent) and is_escape_key(event)):
            if event.type() == QEvent.Type.ShortcutOverride:
                # Accepting the override is what stops QShortcutMap from firing a shortcut;
                # the key then arrives as a KeyPress, swallowed below.
                event.accept()
            elif event.type() == QEvent.Type.KeyPress:
                self.swallowed += 1
            return True
        return False


class _CornerTapFilter(QObject):
    """Watches presses on the window handle (each press seen once) for the technician gesture."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sequence = TapSequence()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            pos = event.position() if isinstance(event, QtGui.QSinglePointEvent) else None
            if pos is not None:
                self.window.corner_tap(pos.toPoint())
        return False


class PageBar(QtWidgets.QFrame):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PageBar")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        self.back = BigButton("", "secondary")
        self.back.setObjectName("BackButton")
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("PageTitle")
        set_alignment(self.title, ALIGN_CENTER)
        self.home = BigButton("", "secondary")
        self.home.setObjectName("HomeButton")
        layout.addWidget(self.back)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.home)

    def retranslate(self) -> None:
        self.back.setText("‹ " + tr("common.back"))
        self.home.setText("⌂ " + tr("common.home"))


class Header(QtWidgets.QFrame):
    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 clock: Callable[[], QtCore.QDateTime] = QtCore.QDateTime.currentDateTime) -> None:
        super().__init__(parent)
        self.setObjectName("Header")
        self._clock = clock
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(36, 8, 36, 8)
        layout.setSpacing(20)
        self.emblem = QtWidgets.QLabel("政")
        self.emblem.setObjectName("HeaderEmblem")
        set_alignment(self.emblem, ALIGN_CENTER)
        titles = QtWidgets.QVBoxLayout()
        titles.setSpacing(0)
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("HeaderTitle")
        self.sub = QtWidgets.QLabel()
        self.sub.setObjectName("HeaderSub")
        titles.addStretch(1)
        titles.addWidget(self.title)
        titles.addWidget(self.sub)
        titles.addStretch(1)
        self.tools = QtWidgets.QHBoxLayout()  # the home screen puts its switches here
        self.tools.setSpacing(16)
        times = QtWidgets.QVBoxLayout()
        times.setSpacing(0)
        self.clock = QtWidgets.QLabel()
        self.clock.setObjectName("HeaderClock")
        set_alignment(self.clock, ALIGN_RIGHT)
        self.date = QtWidgets.QLabel()
        self.date.setObjectName("HeaderDate")
        set_alignment(self.date, ALIGN_RIGHT)
        times.addStretch(1)
        times.addWidget(self.clock)
        times.addWidget(self.date)
        times.addStretch(1)
        layout.addWidget(self.emblem)
        layout.addLayout(titles)
        layout.addStretch(1)
        layout.addLayout(self.tools)
        layout.addSpacing(24)
        layout.addLayout(times)
        self._branch = ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        self.tick()

    def set_branch(self, branch: str) -> None:
        self._branch = branch
        self.retranslate()

    def tick(self) -> None:
        now = self._clock()
        self.clock.setText(now.toString("HH:mm"))
        if current_language() == "zh_CN":
            weekday = "一二三四五六日"[now.date().dayOfWeek() - 1]
            self.date.setText(now.toString("yyyy年M月d日") + " 星期" + weekday)
        else:
            self.date.setText(QtCore.QLocale(QtCore.QLocale.Language.English)
                              .toString(now.date(), "ddd d MMM yyyy"))

    def retranslate(self) -> None:
        self.title.setText(tr("common.app_title"))
        self.sub.setText(tr("shell.header.branch", branch=self._branch) if self._branch else "")
        self.tick()


class MainWindow(QtWidgets.QFrame):
    """The kiosk's one window. A QFrame (with no frame) so the style sheet paints its background
    without ``setAttribute(WA_StyledBackground)``: Qt sets that itself for QFrames, and the
    attribute call would build the ``Qt`` enums before the first frame (kiosk.qt)."""

    technicianGestureDetected = Signal()

    def __init__(self, kiosk_mode: bool = True, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.kiosk_mode = kiosk_mode
        self.allow_close = False
        if kiosk_mode:
            make_frameless(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header()
        self.page_bar = PageBar()
        self.stack = QtWidgets.QStackedWidget()
        self.stack.setObjectName("ScreenStack")
        self.status_bar = StatusBar()
        layout.addWidget(self.header)
        layout.addWidget(self.page_bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status_bar)
        self._taps = TapSequence()
        self._tap_filter = _CornerTapFilter(self)
        self._watching_taps = False
        self.retranslate()

    def watch_corner_taps(self) -> None:
        """Start watching for the technician gesture (the app does this with its other event
        filters, once the home screen is up; the window's first events need no tap check)."""
        self._watching_taps = True
        self._install_tap_filter()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._watching_taps:  # a re-created native window has a new handle
            self._install_tap_filter()

    def _install_tap_filter(self) -> None:
        handle = self.windowHandle()
        if handle is not None:
            handle.removeEventFilter(self._tap_filter)
            handle.installEventFilter(self._tap_filter)

    def corner_tap(self, pos: QtCore.QPoint) -> None:
        in_corner = pos.x() >= self.width() - TECH_CORNER_PX and pos.y() <= TECH_CORNER_PX
        if self._taps.tap(in_corner, time.monotonic()):
            self.technicianGestureDetected.emit()

    def apply_theme(self, theme: Theme) -> None:
        # Equal widths keep the page title centred (no sizeHint here: it is costly at start-up).
        for button in (self.page_bar.back, self.page_bar.home):
            button.setMinimumWidth(theme.target * 3)
        self.header.setFixedHeight(theme.header_height)
        self.status_bar.setFixedHeight(theme.status_height)
        edge = theme.header_height - HEADER_EMBLEM_INSET  # colours and font: build_qss
        self.header.emblem.setFixedSize(edge, edge)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("common.app_title"))
        self.header.retranslate()
        self.page_bar.retranslate()
        self.status_bar.retranslate()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.kiosk_mode and not self.allow_close:
            event.ignore()
            return
        super().closeEvent(event)
