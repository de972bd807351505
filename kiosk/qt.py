"""All Qt imports go through this module, so the binding is named in one place.

Import Qt classes as ``from kiosk.qt import QtCore, QtWidgets, Signal``; never import PySide6
directly elsewhere in ``kiosk/``.
"""

import ctypes
import sys
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Property, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

__all__ = [
    "Property",
    "QEvent",
    "QObject",
    "QThread",
    "QTimer",
    "Qt",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
]


def _emit_steals_true() -> bool:
    """PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit`` without a new reference, so
    every emit lowers True's reference count by one; on Python 3.11 (True is not immortal) a few
    thousand emits free True and the process aborts ("bool_dealloc") or corrupts memory."""

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def _fix_emit_refcount() -> None:
    original = QtCore.SignalInstance.emit

    def emit(self: Any, *args: Any) -> Any:
        result = original(self, *args)
        if result is True:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))  # the reference emit forgot
        return result

    QtCore.SignalInstance.emit = emit  # type: ignore[method-assign]


EMIT_REFCOUNT_FIXED = _emit_steals_true()
if EMIT_REFCOUNT_FIXED:
    _fix_emit_refcount()
