"""Driving the running kiosk as a citizen does: real taps and key presses (synthetic mouse and key
events, so the idle timer and every event filter see them), with the Qt event loop running while
waiting. Shared by the soak (:mod:`kiosk.soak`) and the end-to-end tests (tests/e2e_helpers.py).

``wait`` arguments take ``(predicate, timeout_ms)`` and raise when the predicate does not come
true in time — :func:`wait_until` here, or pytest-qt's ``qtbot.waitUntil`` in the tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.qt import Qt, QtCore, QtWidgets, qt_test

if TYPE_CHECKING:
    from kiosk.journeys.engine import StepKind

Wait = Callable[[Callable[[], bool], int], None]


class UiTimeout(AssertionError):
    """What the kiosk was waited for did not happen in time."""


class _Pump:
    """One event loop and one timer, reused: a new pair per call (QTimer.singleShot with a bound
    method) left ~50 bytes behind each time, which a long soak counted as the kiosk's memory."""

    def __init__(self) -> None:
        self.loop = QtCore.QEventLoop()
        self.timer = QtCore.QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.loop.quit)

    def run(self, ms: int) -> None:
        self.timer.start(ms)
        self.loop.exec()


_pump: _Pump | None = None


def pump(ms: int = 10) -> None:
    """Run an event loop for ``ms`` milliseconds, as the kiosk's own loop runs: events posted by
    worker threads, timers, and deferred deletions (``deleteLater``), which ``processEvents``
    alone never carries out — a soak pumping that way piles up every screen's old widgets."""
    global _pump
    if _pump is None:
        _pump = _Pump()
    if _pump.loop.isRunning():  # called from inside a pump (a slot waiting): a loop of its own
        _Pump().run(ms)
    else:
        _pump.run(ms)


def wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Keep the event loop running until ``predicate()`` is true; False after ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while True:
        pump(10)
        if predicate():
            return True
        if time.monotonic() >= end:
            return False


def wait_until(predicate: Callable[[], bool], timeout_ms: int) -> None:
    """:func:`wait_for`, raising :class:`UiTimeout` (the ``Wait`` shape, like qtbot.waitUntil)."""
    if not wait_for(predicate, timeout_ms / 1000):
        raise UiTimeout(f"not reached within {timeout_ms} ms")


def tap(widget: QtWidgets.QWidget) -> None:
    """A finger on the widget: press and release at its centre."""
    qt_test().QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_text(edit: QtWidgets.QLineEdit, text: str) -> None:
    """Key presses for ASCII; other text arrives as the input method commits it (QTest cannot
    type Chinese)."""
    if text.isascii():
        qt_test().QTest.keyClicks(edit, text)
    else:
        edit.insert(text)


def current_buttons(app: Any, name: str) -> list[QtWidgets.QPushButton]:
    """The visible, enabled buttons called ``name`` on the current screen."""
    screen = app.nav.current_screen
    if screen is None:
        return []
    return [b for b in screen.findChildren(QtWidgets.QPushButton, name)
            if b.isVisible() and b.isEnabled()]


def click(app: Any, name: str, wait: Wait = wait_until, timeout_ms: int = 10_000) -> None:
    """Tap the one visible, enabled button called ``name`` once the screen has drawn it."""
    wait(lambda: len(current_buttons(app, name)) == 1, timeout_ms)
    tap(current_buttons(app, name)[0])


def rows(app: Any) -> list[Any]:
    """The visible list rows (catalogue items, halls) on the current screen."""
    from kiosk.screens.journey_support import ItemRow

    screen = app.nav.current_screen
    return [] if screen is None else [r for r in screen.findChildren(ItemRow) if r.isVisible()]


def row_text(row: Any) -> str:
    return str(row.name.text()).replace("<u>", "").replace("</u>", "")


def tap_row(app: Any, text: str) -> None:
    """Tap the list row showing ``text`` on the current screen."""
    pump(0)
    found = [r for r in rows(app) if row_text(r) == text]
    if not found:
        raise UiTimeout(f"no row {text!r}")
    tap(found[0])


def journey_step(app: Any) -> StepKind | None:
    """The step the citizen's journey is at (None: no journey)."""
    from kiosk.screens.journey_support import services

    state = services(app).controller.state
    return None if state is None else state.step.kind


def widget_texts() -> list[str]:
    """Every text any widget of the application holds, shown or hidden."""
    texts = []
    for top in QtWidgets.QApplication.topLevelWidgets():
        for w in [top, *top.findChildren(QtWidgets.QWidget)]:
            text = getattr(w, "text", None)
            if callable(text):
                try:
                    value = text()
                except TypeError:
                    continue
                if isinstance(value, str):
                    texts.append(value)
            for name in ("toPlainText", "windowTitle", "toolTip"):
                fn = getattr(w, name, None)
                if callable(fn):
                    value = fn()
                    if isinstance(value, str) and value:
                        texts.append(value)
    return texts
