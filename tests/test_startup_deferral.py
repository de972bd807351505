"""What start-up does later or from a cache must still end up exactly as before: the compiled
translation cache, the log file handler swapped for the rotating one, the staff feature attached
after the home screen (or at once when the kiosk was paused), tile colours from the style sheet;
and the Qt classes start-up stays clear of."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import BACKGROUND_START_DELAY_MS, KioskApp
from kiosk.config import load_config
from kiosk.i18n import CATALOGUE_DIR, COMPILED_DIR, COMPILED_NAME, Catalogue
from kiosk.logs import enable_log_rotation, setup_logging
from kiosk.qt import QtCore, QtGui
from kiosk.staff import SERVICE_STATE_FILE
from kiosk.staff.qtfeature import StaffFeature

pytest_plugins = ("tests.shell_helpers",)


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "i18n"
    directory.mkdir()
    for name in ("common.toml", "home.toml"):
        shutil.copy(CATALOGUE_DIR / name, directory / name)
    return directory


def test_translations_are_compiled_once_and_reparsed_when_a_file_changes(catalogue_dir: Path) -> None:
    first = Catalogue(catalogue_dir)
    compiled = catalogue_dir / COMPILED_DIR / COMPILED_NAME
    assert compiled.is_file()
    assert Catalogue(catalogue_dir).messages == first.messages  # from the cache

    common = catalogue_dir / "common.toml"
    common.write_text(common.read_text("utf-8") + '\nfresh_key = { zh_CN = "新的", en_US = "New" }\n',
                      "utf-8")
    stat = common.stat()
    os.utime(common, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = Catalogue(catalogue_dir)
    assert again.tr("common.fresh_key") == "新的"
    assert "common.fresh_key" not in first.messages


def test_a_corrupt_or_unwritable_cache_falls_back_to_the_toml(catalogue_dir: Path) -> None:
    expected = Catalogue(catalogue_dir).messages
    compiled = catalogue_dir / COMPILED_DIR / COMPILED_NAME
    compiled.write_bytes(b"\x00garbage")
    assert Catalogue(catalogue_dir).messages == expected  # and the cache is rewritten
    assert Catalogue(catalogue_dir).messages == expected

    shutil.rmtree(catalogue_dir / COMPILED_DIR)
    (catalogue_dir / COMPILED_DIR).write_text("a file where the cache directory should be")
    assert Catalogue(catalogue_dir).messages == expected


def test_log_rotation_is_swapped_in_without_losing_a_line(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, also_stderr=False, max_bytes=10_000, backup_count=2,
                         rotate_later=True)
    root = logging.getLogger()
    log = logging.getLogger("test.rotation")
    try:
        log.info("before the swap 13812345678")
        kiosk_handlers = [h for h in root.handlers if getattr(h, "_kiosk_handler", False)]
        assert not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in kiosk_handlers)
        enable_log_rotation()
        kiosk_handlers = [h for h in root.handlers if getattr(h, "_kiosk_handler", False)]
        assert len(kiosk_handlers) == 1
        assert isinstance(kiosk_handlers[0], logging.handlers.RotatingFileHandler)
        log.info("after the swap 13812345678")
        kiosk_handlers[0].flush()
        lines = [json.loads(line)["msg"] for line in path.read_text("utf-8").splitlines()]
        assert lines == ["before the swap 138****5678", "after the swap 138****5678"]  # masked
        for i in range(400):  # the swapped-in handler really rotates
            log.info("line %d %s", i, "x" * 60)
        assert (tmp_path / "kiosk.jsonl.1").is_file()
    finally:
        for h in list(root.handlers):
            if getattr(h, "_kiosk_handler", False):
                root.removeHandler(h)
                h.close()


def _deferred_app(qtbot: QtBot) -> KioskApp:
    app = KioskApp(load_config("demo"), kiosk_mode=False, show_devdock=False, defer_staff=True)
    qtbot.addWidget(app.window)
    return app


def test_staff_feature_is_attached_after_the_home_screen(qtbot: QtBot, tmp_data_env: Any) -> None:
    app = _deferred_app(qtbot)
    try:
        assert app.staff is None and app.nav.current_route == "home"
        app.show()
        qtbot.waitUntil(lambda: isinstance(app.staff, StaffFeature),
                        timeout=BACKGROUND_START_DELAY_MS + 5000)
        # the technician gesture now opens the staff login
        app.technicianGestureDetected.emit()
        qtbot.waitUntil(lambda: app.nav.current_route == "staff_login", timeout=5000)
    finally:
        app.close()


def test_a_paused_kiosk_attaches_staff_at_once_and_shows_the_pause_screen(
        qtbot: QtBot, tmp_data_env: Any) -> None:
    config = load_config("demo")
    state = config.data_path(Path(SERVICE_STATE_FILE))
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"paused": True, "reason": "维护", "by": "tech-01"}), "utf-8")
    app = _deferred_app(qtbot)
    try:
        assert isinstance(app.staff, StaffFeature)  # not deferred
        qtbot.waitUntil(lambda: app.nav.current_route == "paused", timeout=1000)
    finally:
        app.close()


def test_tiles_paint_their_badge_in_the_accent_and_the_name_in_text_colour(make_app: Any) -> None:
    app = make_app()
    home = app.nav.current_screen
    palette = app.theme.palette
    for i, tile in enumerate(home.tiles[:3]):
        image = tile.grab().toImage()
        badge = tile.badge_rect()
        pixel = image.pixelColor(badge.center().x(), badge.top() + 3)  # inside the rounded box
        assert pixel.name().upper() == QtGui.QColor(palette.accents[i]).name().upper()
        name = tile.name_rect()
        assert name.top() > badge.bottom() and name.height() > 0  # under the badge
        colours = {image.pixelColor(x, y).name().upper()
                   for x in range(name.left(), name.right(), 2)
                   for y in range(name.top(), name.bottom(), 2)}
        assert QtGui.QColor(palette.text).name().upper() in colours  # the name is drawn
    QtCore.QCoreApplication.processEvents()


def test_status_bar_has_a_look_for_every_device_state() -> None:
    from kiosk.devices.base import DeviceState
    from kiosk.ui.statusbar import _DEVICE_LOOK

    assert set(_DEVICE_LOOK) == {state.value for state in DeviceState}


def test_screen_modules_lists_every_screen_module() -> None:
    from kiosk import screens

    names = screens.screen_modules()
    directory = Path(screens.__file__).parent
    assert names == sorted(p.stem for p in directory.glob("*.py") if p.stem not in ("__init__", "base"))
    assert "home" in names and "diagnostics" in names


FIRST_FRAME = """
import sys
from PySide6 import QtCore, QtGui, QtWidgets
from kiosk.app import KioskApp
from kiosk.config import load_config
config = load_config("demo")
qapp = QtWidgets.QApplication(sys.argv[:1])
app = KioskApp(config, kiosk_mode=True, defer_staff=True)
app.show()
def first_frame():
    app.window.repaint()  # (painted already; again, synchronously, to be sure)
    built = [name for module, name in ((QtGui, "QIcon"), (QtCore, "Qt"))
             if name in vars(module)]  # PySide adds a class to its module when first touched
    print("BUILT", ",".join(built))
    print("IMPORTED", ",".join(m for m in ("msgspec", "uuid", "dataclasses") if m in sys.modules))
    app.close()
    qapp.quit()
QtCore.QTimer.singleShot(1, first_frame)  # a timer: it fires after the first paint
qapp.exec()
"""


def test_the_first_frame_needs_neither_qicon_nor_the_qt_enums(tmp_data_env: Any) -> None:
    """PySide builds a class's Python enums when the class is first touched: QIcon's ~150 theme
    icons cost ~3 ms of start-up and ``Qt``'s 1,195 members 25-45 ms, and the home screen's first
    frame (built, shown full screen and frameless, painted) needs neither
    (kiosk.ui.widgets.buttons: no QPushButton(text, parent) overload, no icons; kiosk.ui.qtvalues
    for the rest). Nor does it import msgspec (~15-20 ms: only to validate a configuration not
    validated before, kiosk.config), uuid (~4 ms with platform) or dataclasses."""
    load_config("demo")  # these layers validated (and cached) here, as by an earlier start
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    built = [line for line in done.stdout.splitlines() if line.startswith("BUILT")]
    assert built == ["BUILT "], done.stdout
    assert [ln for ln in done.stdout.splitlines() if ln.startswith("IMPORTED")] == ["IMPORTED "]


def test_event_filters_go_in_with_the_background_start(qtbot: QtBot, tmp_data_env: Any) -> None:
    app = KioskApp(load_config("demo"), kiosk_mode=True, show_devdock=False, defer_staff=True)
    try:
        app.window.show()
        assert not app._filters_installed  # building and first painting skip them
        assert not app.window._watching_taps
        qtbot.waitUntil(lambda: app._filters_installed, timeout=BACKGROUND_START_DELAY_MS + 5000)
        assert app.key_guard is not None and app.window._watching_taps
        qtbot.keyClick(app.window, QtCore.Qt.Key.Key_F4, QtCore.Qt.KeyboardModifier.AltModifier)
        assert app.key_guard.swallowed == 1  # the guard now sees the keys
    finally:
        app.close()
