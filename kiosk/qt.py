"""All Qt imports go through this module, so the binding is named in one place.

Import Qt classes as ``from kiosk.qt import QtCore, QtWidgets, Signal``; never import PySide6
directly elsewhere in ``kiosk/``.
"""

import sys

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Property, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

# PySide6 6.12.0 on Python 3.11: every ``SignalInstance.emit()`` returns ``True`` without taking a
# reference, so each emit lowers True's reference count by one; after a few thousand emits
# (device status changes, events) CPython aborts with "bool_dealloc: deallocating True or
# False" — found by the soak run (tests/test_soak.py, minimal reproducer in the quality report).
# Python 3.12+ makes True/False/None immortal, which hides the bug; on 3.11 we give them a
# reference count so large no run can drain it (what 3.12 does). Remove once PySide6 is fixed.
SINGLETON_REFCOUNT_RESERVE = 1 << 40


def _reserve_singleton_refcounts() -> None:
    if sys.version_info >= (3, 12):
        return
    import ctypes

    for obj in (True, False, None):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: first field of PyObject
        if refcount.value < SINGLETON_REFCOUNT_RESERVE:
            refcount.value += SINGLETON_REFCOUNT_RESERVE


_reserve_singleton_refcounts()
QT_BINDING_VERSION = PySide6.__version__

__all__ = [
    "QT_BINDING_VERSION",
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
