"""Emitting signals must not eat references to True (PySide6 6.12.0 bug, worked around in kiosk.qt)."""

import sys

from kiosk.qt import QObject, Signal


class Emitter(QObject):
    changed = Signal(str)
    ping = Signal()


def test_emit_keeps_true_alive() -> None:
    e = Emitter()
    e.changed.connect(lambda _text: None)
    before = sys.getrefcount(True)
    for _ in range(5000):
        e.changed.emit("x")
        e.ping.emit()
    assert sys.getrefcount(True) >= before
