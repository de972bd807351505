"""All Qt imports go through this module, so the binding is named in one place.

Import Qt classes as ``from kiosk.qt import QtCore, QtWidgets, Signal``; never import PySide6
directly elsewhere in ``kiosk/``.
"""

import sys
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Property, QEvent, QObject, QThread, QTimer, Signal, Slot

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
else:

    class _QtNamespaceOnFirstUse:
        """``Qt`` (the namespace of Qt's global enums), looked up on first use.

        PySide builds all of ``Qt``'s 93 enums (1,195 members, through Python's ``enum``) the
        first time anything reaches ``QtCore.Qt``: 25-45 ms, a sixth of the kiosk's start. The
        home screen's first frame does without them (tests/test_startup_deferral.py), so
        importing ``Qt`` from here must not build them; the first attribute does."""

        def __getattr__(self, name: str) -> Any:
            value = getattr(QtCore.Qt, name)
            setattr(self, name, value)  # later lookups skip __getattr__
            return value

        def __repr__(self) -> str:
            return repr(QtCore.Qt)

    Qt = _QtNamespaceOnFirstUse()

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
    import ctypes

    original = QtCore.SignalInstance.emit

    def emit(self: Any, *args: Any) -> Any:
        result = original(self, *args)
        if result is True:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))  # the reference emit forgot
        return result

    QtCore.SignalInstance.emit = emit  # type: ignore[method-assign]


# Queued (cross-thread) deliveries in the same PySide6 drain None as well: with the emit fix
# alone, ~3,000 signals from a device thread still abort with "none_dealloc: deallocating None"
# (tests/test_qt_binding.py). Python 3.12+ makes the singletons immortal; on 3.11 give them a
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


# Both faults come with the same releases (6.12.0; setup.cfg excludes it): the emit probe
# detects the broken binding, and then both workarounds go in.
EMIT_REFCOUNT_FIXED = _emit_steals_true()
if EMIT_REFCOUNT_FIXED:
    _reserve_singleton_refcounts()
    _fix_emit_refcount()


def _module_source_mentions_pyside(module: Any) -> bool:
    """Whether the module's source file contains "PySide6", read as raw bytes."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built-in, extension or source-less: inspect.getsource fails, answer False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def _cheapen_feature_scan() -> None:
    """PySide6 wraps ``import`` (for its opt-in ``from __feature__ import snake_case``) and asks of
    every module imported after it whether its source mentions "PySide6". It asks through
    ``inspect.getsource``: decode, split into lines and keep in linecache, ~0.25 ms a module,
    20-28 ms for the ~90 modules of the kiosk's start. The same question on the raw bytes takes
    ~0.04 ms and gives the same answers (tests/test_qt_binding.py)."""
    try:
        from shibokensupport import feature  # type: ignore[import-not-found]
    except ImportError:
        return  # a binding without the hook: nothing to cheapen
    if callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _module_source_mentions_pyside


_cheapen_feature_scan()


def qt_test() -> Any:
    """PySide6.QtTest (synthetic taps and key presses), imported on first use: only the soak and
    the tests drive the UI this way, the kiosk itself never loads it."""
    from PySide6 import QtTest

    return QtTest
