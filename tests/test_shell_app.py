import threading
from collections.abc import Callable
from typing import Any

from pytestqt.qtbot import QtBot

from kiosk.devices.base import Capabilities, DeviceState, DeviceStatus, StatusHolder
from kiosk.devices.qtbridge import DeviceBridge
from kiosk.devices.runner import DeviceRunner
from kiosk.i18n import current_language
from kiosk.qt import Qt, QtCore, QtGui, QtWidgets
from kiosk.screens.base import SCREENS, Screen, register_screen
from kiosk.screens.home import HomeScreen
from kiosk.ui.qtvalues import window_is_frameless
from kiosk.ui.theme import ELDERLY, NORMAL

pytest_plugins = ("tests.shell_helpers",)  # the make_app fixture

AppFactory = Callable[..., Any]


def home(app: Any) -> HomeScreen:
    screen = app.nav.current_screen
    assert isinstance(screen, HomeScreen)
    return screen


def test_demo_app_starts_on_home_with_tiles_status_and_switches(make_app: AppFactory) -> None:
    app = make_app()
    h = home(app)
    assert [t.text_shown() for t in h.tiles] == [
        "社会保障", "医疗保障", "住房公积金", "户籍办理", "出入境", "交管服务",
        "税务服务", "公共事业", "民政服务", "档案证明", "不动产", "企业服务"]
    assert h.language_button.text() == "English"
    assert h.elderly_button.text() == "长辈模式" and not h.elderly_button.isChecked()
    assert h.id_hint.text() == "请将身份证放在感应区"
    assert not app.window.page_bar.isVisible()
    assert app.window.status_bar.isVisible()
    assert app.window.header.title.text() == "政务服务自助终端"
    assert app.devices == {} and app.platform_client is None and app.offline_queue is None
    # touch targets: every tile and button on home at least 60×60
    for w in [*h.tiles, h.language_button, h.elderly_button, h.search_button]:
        assert w.width() >= 60 and w.height() >= 60, w.objectName()


def test_tile_routes_to_category_with_its_id(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    chosen: list[str] = []
    h = home(app)
    h.categoryChosen.connect(chosen.append)
    qtbot.mouseClick(h.tiles[3], Qt.MouseButton.LeftButton)
    assert chosen == ["household_registration"]
    assert app.nav.current_route == "category"
    assert app.nav.current_params == {"category": "household_registration"}
    screen = app.nav.current_screen
    assert screen is not None
    assert app.window.page_bar.isVisible() and app.window.page_bar.title.text() == "户籍办理"
    # The journeys work registered the real category screen: the category's items as rows.
    names = [r.name.text() for r in screen.rows]  # type: ignore[attr-defined]
    assert "户口迁移" in names
    qtbot.mouseClick(app.window.page_bar.back, Qt.MouseButton.LeftButton)
    assert app.nav.current_route == "home"
    qtbot.mouseClick(h.search_button, Qt.MouseButton.LeftButton)
    assert app.nav.current_route == "search"
    qtbot.mouseClick(app.window.page_bar.home, Qt.MouseButton.LeftButton)
    assert app.nav.current_route == "home"


def test_keyboard_escapes_do_nothing_in_kiosk_mode(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(kiosk_mode=True)
    win = app.window
    fired: list[str] = []
    for seq in ("Ctrl+Q", "Ctrl+W", "Esc", "Alt+F4"):
        sc = QtGui.QShortcut(QtGui.QKeySequence(seq), win)
        sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
        sc.activated.connect(lambda s=seq: fired.append(s))
    for key, mod in ((Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
                     (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
                     (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
                     (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(win, key, mod)
    assert fired == []
    assert app.key_guard is not None and app.key_guard.swallowed == 4
    assert win.close() is False and win.isVisible()
    assert window_is_frameless(win)  # the native window has no frame
    # an ordinary key still arrives
    assert app.key_guard.swallowed == 4


def test_windowed_mode_lets_keys_and_close_through(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(kiosk_mode=False)
    fired: list[str] = []
    sc = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+Q"), app.window)
    sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
    sc.activated.connect(lambda: fired.append("q"))
    qtbot.keyClick(app.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert fired == ["q"]
    assert app.key_guard is None
    app.window.show()
    assert not window_is_frameless(app.window)


def test_technician_gesture_five_taps_top_right(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    got: list[int] = []
    app.technicianGestureDetected.connect(lambda: got.append(1))
    # Clicks go through the window handle, like real touches (QWindow → widgets).
    handle = app.window.windowHandle()
    corner = QtCore.QPoint(app.window.width() - 10, 10)
    for _ in range(4):
        qtbot.mouseClick(handle, Qt.MouseButton.LeftButton, pos=corner)
    qtbot.mouseClick(handle, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(500, 500))  # breaks it
    for _ in range(4):
        qtbot.mouseClick(handle, Qt.MouseButton.LeftButton, pos=corner)
    assert got == []
    qtbot.mouseClick(handle, Qt.MouseButton.LeftButton, pos=corner)
    assert got == [1]


def test_tap_sequence_window() -> None:
    from kiosk.ui.main_window import TapSequence

    seq = TapSequence(count=5, window_s=3.0)
    # at 3.5 the tap from 0.0 has expired, so 3.6 is only the fourth within 3 s
    assert not any(seq.tap(True, t) for t in (0.0, 1.0, 2.0, 3.5, 3.6))
    assert seq.tap(True, 3.8)
    assert not seq.tap(True, 3.9)  # the sequence starts over after a detection
    assert not any(seq.tap(ok, t) for ok, t in ((True, 10), (True, 10.1), (True, 10.2), (True, 10.3),
                                                (False, 10.4)))
    assert not seq.tap(True, 10.5)


def _fill_session(app: Any) -> list[Any]:
    app.session.set_identity({"name": "王五", "id_number": "130102195501011234"})
    f = app.session.new_temp_file(".jpg", b"face")
    return [f]


def test_idle_countdown_then_wipe_and_home(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(idle_timeout_s=10, idle_warning_s=20, time_scale=0.01)
    files = _fill_session(app)
    first_id = app.session.id
    app.nav.push("category", category="tax")
    with qtbot.waitSignal(app.idle.warningShown, timeout=5000):
        pass
    dialog = app.idle.dialog
    assert dialog.isVisible()
    assert dialog.number.text() == "20"
    assert dialog.continue_button.text() == "继续办理"
    assert dialog.continue_button.height() >= NORMAL.button_height
    with qtbot.waitSignal(app.idle.expired, timeout=5000):
        pass
    assert not dialog.isVisible()
    assert app.session.id != first_id and app.session.is_empty
    assert not files[0].exists()
    assert app.nav.current_route == "home" and app.nav.history == [("home", {})]


def test_continue_keeps_the_session(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(idle_timeout_s=10, idle_warning_s=20, time_scale=0.05)
    files = _fill_session(app)
    sid = app.session.id
    app.nav.push("search")
    with qtbot.waitSignal(app.idle.warningShown, timeout=5000):
        pass
    with qtbot.waitSignal(app.idle.continued, timeout=2000):
        qtbot.mouseClick(app.idle.dialog.continue_button, Qt.MouseButton.LeftButton)
    assert not app.idle.dialog.isVisible()
    assert app.session.id == sid and app.session.identity["name"] == "王五" and files[0].exists()
    assert app.nav.current_route == "search"


def test_idle_leaves_the_untouched_home_screen_alone(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(idle_timeout_s=10, idle_warning_s=20, time_scale=0.005)
    shown: list[int] = []
    app.idle.warningShown.connect(lambda: shown.append(1))
    qtbot.wait(300)  # ~6 idle periods
    assert shown == []
    # …but a session held on the home screen (ID card read, citizen walked away) is protected.
    app.session.set_identity({"name": "赵六"})
    with qtbot.waitSignal(app.idle.warningShown, timeout=5000):
        pass


def test_activity_postpones_the_warning(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(idle_timeout_s=10, idle_warning_s=20, time_scale=0.1)  # 1 s idle
    app.nav.push("search")
    shown: list[int] = []
    app.idle.warningShown.connect(lambda: shown.append(1))
    for _ in range(8):
        qtbot.wait(150)
        qtbot.mouseClick(app.window.stack, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(400, 400))
        assert app.idle._idle.remainingTime() > 800  # the click restarted the idle timer
    assert shown == []


def test_elderly_switch_one_tap(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    h = home(app)
    normal_tile_font = h.tiles[0].name_font().pixelSize()
    qtbot.mouseClick(h.elderly_button, Qt.MouseButton.LeftButton)
    assert app.theme is ELDERLY
    assert h.elderly_button.isChecked() and "已开" in h.elderly_button.text()
    assert h.grid.itemAtPosition(0, 3) is not None and h.grid.itemAtPosition(0, 4) is None
    assert h.grid.itemAtPosition(2, 0) is not None
    assert app.idle.timeout_s == app.config.ui.elderly_idle_timeout_s
    qtbot.wait(10)
    assert h.tiles[0].name_font().pixelSize() > normal_tile_font
    assert h.welcome.font().pixelSize() >= ELDERLY.font_title
    for t in h.tiles:
        assert t.height() >= ELDERLY.target and t.width() >= ELDERLY.target
    assert h.language_button.height() >= 80
    qtbot.mouseClick(h.elderly_button, Qt.MouseButton.LeftButton)
    assert app.theme is NORMAL and app.idle.timeout_s == app.config.ui.idle_timeout_s
    assert h.grid.itemAtPosition(0, 5) is not None


def test_language_switch_retranslates_every_built_screen(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    app.nav.push("category", category="tax")
    category = app.nav.current_screen
    app.nav.home()
    h = home(app)
    qtbot.mouseClick(h.language_button, Qt.MouseButton.LeftButton)
    assert current_language() == "en_US"
    assert h.tiles[6].text_shown() == "Tax Services"
    assert h.language_button.text() == "中文"
    assert app.window.header.title.text() == "Government Services Kiosk"
    assert app.idle.dialog.continue_button.text() == "Continue"
    assert any("income tax" in r.name.text()  # the category's rows are retranslated too
               for r in category.rows)  # type: ignore[union-attr]
    app.nav.push("category", category="tax")
    assert app.window.page_bar.title.text() == "Tax Services"
    assert app.window.page_bar.back.text().endswith("Back")
    app.nav.home()
    qtbot.mouseClick(h.language_button, Qt.MouseButton.LeftButton)
    assert h.tiles[6].text_shown() == "税务服务"


class _Shows(Screen):
    """A screen that puts session data on screen, as real journey screens will."""

    def __init__(self, app: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.field = QtWidgets.QLineEdit(self)

    def enter(self, **params: Any) -> None:
        self.field.setText(self.app.session.identity.get("name", ""))

    def reset(self) -> None:
        self.field.clear()


def test_session_end_resets_widgets_and_restores_defaults(make_app: AppFactory, qtbot: QtBot) -> None:
    register_screen("test_shows")(_Shows)
    try:
        app = make_app()
        app.set_language("en_US")
        app.set_elderly_mode(True)
        app.session.set_identity({"name": "孙七"})
        app.nav.push("test_shows")
        screen = app.nav.current_screen
        assert isinstance(screen, _Shows) and screen.field.text() == "孙七"
        app.end_session("test")
        assert screen.field.text() == ""
        assert app.nav.current_route == "home"
        assert current_language() == "zh_CN" and app.theme is NORMAL
        assert app.is_pristine()
    finally:
        SCREENS.remove("test_shows", _Shows)


def test_crash_recovery_wipes_and_goes_home(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    app.session.set_answer("x", "秘密")
    app.nav.push("search")
    # the crash handler emits from whatever thread crashed; recovery runs on the UI thread
    t = threading.Thread(target=app.crashed.emit)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: app.nav.current_route == "home", timeout=3000)
    assert app.session.is_empty


def test_crash_loop_gives_up_with_exit_code_70(make_app: AppFactory, qtbot: QtBot,
                                              monkeypatch: Any) -> None:
    app = make_app()
    codes: list[int] = []
    monkeypatch.setattr(app.qapp, "exit", codes.append)
    for _ in range(4):
        app.recover()
    assert codes == []
    app.recover()
    assert codes == [70]


def test_session_end_closes_a_showing_countdown(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app(idle_timeout_s=10, idle_warning_s=20, time_scale=0.05)
    app.nav.push("search")
    with qtbot.waitSignal(app.idle.warningShown, timeout=5000):
        pass
    app.end_session("devdock")
    assert not app.idle.dialog.isVisible()
    assert app.nav.current_route == "home"


class _FakeReader:
    name = "idcard"

    def __init__(self) -> None:
        self.status_holder = StatusHolder(DeviceStatus(DeviceState.ONLINE))
        self.capabilities = Capabilities("idcard")

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    def open(self) -> Any:
        raise AssertionError("not started in this test")

    def close(self) -> None:
        pass


def test_device_status_reaches_the_status_bar_from_its_thread(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    dev = _FakeReader()
    bridge = DeviceBridge(DeviceRunner(dev, supervise=False))  # type: ignore[arg-type]
    app.add_device("idcard", bridge, simulator=object())
    bar = app.window.status_bar
    assert bar.device_text("idcard") == ""  # working devices are summed up
    assert bar.devices_ok.text() == "✓ 设备正常"
    t = threading.Thread(target=lambda: dev.status_holder.update(
        DeviceState.HARDWARE_ERROR, error_code="IDR-080"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bar.device_text("idcard") != "", timeout=3000)
    assert bar.device_text("idcard") == "✕ 身份证阅读器 故障 (IDR-080)"
    assert bar.findChild(QtWidgets.QLabel, "Device_idcard").property("severity") == "error"
    assert not bar.devices_ok.isVisible()
    app.set_network(False)
    assert bar.network.text().startswith("✕ 网络中断")
    app.set_queue(3)
    assert bar.queue.text() == "待提交 3 件"
    app.set_queue(0)
    assert bar.queue.isHidden()
    assert "idcard" in app.simulators


def test_text_is_unhinted_in_both_themes(make_app: AppFactory, qtbot: QtBot) -> None:
    """Unhinted glyphs (a start-up cost, see KioskApp._apply_theme) for the styled labels and
    the painted tiles alike, before and after the theme switch rebuilds the fonts."""
    app = make_app()
    h = home(app)
    unhinted = QtGui.QFont.HintingPreference.PreferNoHinting
    for _ in range(2):
        qtbot.wait(10)
        fonts = [app.qapp.font(), h.welcome.font(), h.tiles[0].name_font(),
                 app.window.status_bar.font()]
        assert [f.hintingPreference() for f in fonts] == [unhinted] * len(fonts)
        qtbot.mouseClick(h.elderly_button, Qt.MouseButton.LeftButton)
