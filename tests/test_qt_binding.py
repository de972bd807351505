"""PySide6 6.12.0 on Python 3.11 drops a reference to True on every signal emit (kiosk/qt.py fixes it);
the kiosk must survive far more emits than True's natural reference count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMITTER = """
import os, sys, threading
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, {root!r})
{guard}
from PySide6 import QtCore
class Source(QtCore.QObject):
    changed = QtCore.Signal(object)
app = QtCore.QCoreApplication([])
source, got = Source(), [0]
source.changed.connect(lambda e: got.__setitem__(0, got[0] + 1))
n = 20000  # well above True's natural reference count (~1-3 thousand)
worker = threading.Thread(target=lambda: [source.changed.emit({{"i": i}}) for i in range(n)])
worker.start()
while worker.is_alive() or got[0] < n:
    app.processEvents()
print("delivered", got[0])
"""


def _run(guard: str) -> subprocess.CompletedProcess[str]:
    code = EMITTER.format(root=str(ROOT), guard=guard)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_many_signal_emits_do_not_abort_the_kiosk() -> None:
    done = _run("import kiosk.qt")
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("delivered")


def test_cheaper_feature_scan_gives_shibokens_answers() -> None:
    """kiosk.qt swaps PySide's per-import question "does this module's source mention PySide6?"
    (asked through inspect.getsource) for a raw byte search; the answers must not change."""
    import inspect
    import json
    import types

    from shibokensupport import feature

    import kiosk.app
    import kiosk.qt
    import kiosk.session

    def shibokens_answer(module: types.ModuleType) -> bool:  # what shiboken asks, as it asks it
        try:
            return "PySide6" in inspect.getsource(module)
        except (TypeError, OSError, SyntaxError):
            return False

    assert feature._mod_uses_pyside is kiosk.qt._module_source_mentions_pyside
    modules = [kiosk.qt, kiosk.app, kiosk.session, json, sys, inspect, types.ModuleType("bare")]
    answers = {m.__name__: kiosk.qt._module_source_mentions_pyside(m) for m in modules}
    assert answers == {m.__name__: shibokens_answer(m) for m in modules}
    assert answers["kiosk.qt"] is True and answers["json"] is False  # both answers occur


def test_qt_from_kiosk_qt_is_qts_namespace() -> None:
    from PySide6.QtCore import Qt as pyside_qt

    from kiosk.qt import Qt

    assert Qt.AlignmentFlag is pyside_qt.AlignmentFlag
    assert Qt.Key.Key_F4 is pyside_qt.Key.Key_F4
    assert Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop == (
        pyside_qt.AlignmentFlag.AlignLeft | pyside_qt.AlignmentFlag.AlignTop)
