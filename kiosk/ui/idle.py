"""Idle timeout: no touch for a while → a countdown dialog (继续办理) → the session ends.

:class:`IdleWatcher` is an application-wide event filter: any press, touch, key or wheel event
restarts the idle timer. When it fires and ``is_active()`` says there is something to protect
(not the untouched home screen), the countdown dialog opens; only its buttons count as activity
from then on. At zero it emits ``expired`` (the app ends the session and goes home).

``time_scale`` shortens every interval for tests only (config ``ui.time_scale``); the numbers
shown stay the configured seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.i18n import tr
from kiosk.qt import QEvent, QObject, Qt, QTimer, QtWidgets, Signal
from kiosk.ui.widgets.buttons import BigButton
from kiosk.ui.widgets.dialog import OverlayDialog

log = logging.getLogger(__name__)

_ACTIVITY = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.InputMethod,
})


class IdleCountdownDialog(OverlayDialog):
    continueClicked = Signal()
    endClicked = Signal()

    def __init__(self, host: QtWidgets.QWidget) -> None:
        super().__init__(host)
        self.heading = QtWidgets.QLabel()
        self.heading.setProperty("role", "title")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = QtWidgets.QLabel()
        self.number.setObjectName("CountdownNumber")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QtWidgets.QLabel()
        self.message.setProperty("role", "body")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.continue_button = BigButton("", "primary")
        self.continue_button.setObjectName("ContinueButton")
        self.end_button = BigButton("", "secondary")
        self.end_button.setObjectName("EndButton")
        self.continue_button.clicked.connect(self.continueClicked)
        self.end_button.clicked.connect(self.endClicked)
        for w in (self.heading, self.number, self.message, self.continue_button, self.end_button):
            self.body.addWidget(w)
        self.remaining = 0

    def set_remaining(self, seconds: int) -> None:
        self.remaining = seconds
        self.number.setText(str(seconds))
        self.message.setText(tr("shell.idle.message", n=seconds))

    def retranslate(self) -> None:
        self.heading.setText(tr("shell.idle.title"))
        self.continue_button.setText(tr("common.continue"))
        self.end_button.setText(tr("shell.idle.end_now"))
        self.set_remaining(self.remaining)


class IdleWatcher(QObject):
    warningShown = Signal()
    expired = Signal()
    continued = Signal()

    def __init__(self, host: QtWidgets.QWidget, is_active: Callable[[], bool],
                 timeout_s: float, warning_s: int, time_scale: float = 1.0) -> None:
        super().__init__(host)
        self.is_active = is_active
        self.time_scale = time_scale
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self._host = host
        self._dialog: IdleCountdownDialog | None = None  # see dialog
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._on_tick)

    @property
    def dialog(self) -> IdleCountdownDialog:
        """The countdown dialog, built when first needed (most starts never show it)."""
        if self._dialog is None:
            self._dialog = IdleCountdownDialog(self._host)
            self._dialog.continueClicked.connect(self.keep_going)
            self._dialog.endClicked.connect(self._expire)
            self._dialog.retranslate()
        return self._dialog

    @property
    def warning(self) -> bool:
        return self._dialog is not None and self._dialog.isVisible()

    def set_timeouts(self, timeout_s: float, warning_s: int) -> None:
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        if not self.warning:
            self.poke()

    def start(self) -> None:
        self.poke()

    def stop(self) -> None:
        self._idle.stop()
        self._tick.stop()
        self._close_dialog()

    def reset(self) -> None:
        """Close a showing countdown without ending anything (the session already ended)."""
        self._tick.stop()
        self._close_dialog()
        self.poke()

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.close_dialog()

    def poke(self) -> None:
        """Activity: restart the idle timer (ignored while the countdown shows)."""
        if self.warning:
            return
        self._idle.start(max(1, int(self.timeout_s * 1000 * self.time_scale)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.poke()
        return False

    def _on_idle(self) -> None:
        if not self.is_active():
            self.poke()
            return
        log.info("idle warning", extra={"fields": {"countdown_s": self.warning_s}})
        self.dialog.set_remaining(self.warning_s)
        self.dialog.open()
        self.dialog.continue_button.setFocus()
        self._tick.start(max(1, int(1000 * self.time_scale)))
        self.warningShown.emit()

    def _on_tick(self) -> None:
        left = self.dialog.remaining - 1
        if left <= 0:
            self._expire()
        else:
            self.dialog.set_remaining(left)

    def keep_going(self) -> None:
        self._tick.stop()
        self._close_dialog()
        log.info("idle warning answered: continue")
        self.continued.emit()
        self.poke()

    def _expire(self) -> None:
        self._tick.stop()
        self._close_dialog()
        log.info("idle timeout: ending session")
        self.expired.emit()
        self.poke()

    def retranslate(self) -> None:
        if self._dialog is not None:
            self._dialog.retranslate()
