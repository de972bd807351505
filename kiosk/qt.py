"""All Qt imports go through this module, so the binding is named in one place.

Import Qt classes as ``from kiosk.qt import QtCore, QtWidgets, Signal``; never import PySide6
directly elsewhere in ``kiosk/``.
"""

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
