from typing import Any

from pytestqt.qtbot import QtBot

from kiosk.qt import QtWidgets
from kiosk.screens.base import Screen, ScreenRegistry, register_screen
from kiosk.ui.navigation import Navigator


def _make(registry: ScreenRegistry, log: list[str]) -> None:
    class Recording(Screen):
        def enter(self, **params: Any) -> None:
            log.append(f"enter {self.route} {sorted(params.items())}")

        def leave(self) -> None:
            log.append(f"leave {self.route}")

    for route in ("home", "a", "b"):
        register_screen(route, registry=registry)(type(f"S_{route}", (Recording,), {}))


def _nav(qtbot: QtBot, registry: ScreenRegistry) -> tuple[Navigator, list[type[Screen]]]:
    stack = QtWidgets.QStackedWidget()
    qtbot.addWidget(stack)
    made: list[type[Screen]] = []

    def factory(cls: type[Screen]) -> Screen:
        made.append(cls)
        return cls(None)  # type: ignore[arg-type]

    return Navigator(stack, factory, registry), made


def test_push_back_replace_home(qtbot: QtBot) -> None:
    reg = ScreenRegistry()
    log: list[str] = []
    _make(reg, log)
    nav, made = _nav(qtbot, reg)
    seen: list[str] = []
    nav.currentChanged.connect(seen.append)

    assert nav.home() and nav.current_route == "home" and not nav.can_go_back
    assert nav.push("a", x=1)
    assert nav.push("b")
    assert [r for r, _ in nav.history] == ["home", "a", "b"]
    assert nav.stack.currentWidget() is nav.current_screen
    assert nav.back() and nav.current_route == "a" and nav.current_params == {"x": 1}
    assert nav.replace("b", y=2)
    assert [r for r, _ in nav.history] == ["home", "b"]
    assert nav.home() and nav.history == [("home", {})]
    assert not nav.back()
    assert seen == ["home", "a", "b", "a", "b", "home"]
    # screens are built once and reused
    assert sorted(c.route for c in made) == ["a", "b", "home"]
    assert log[:5] == ["enter home []", "leave home", "enter a [('x', 1)]", "leave a", "enter b []"]
    assert "enter a [('x', 1)]" in log[5:]  # back re-enters with the original params


def test_unknown_route_is_refused_and_logged(qtbot: QtBot, caplog: Any) -> None:
    reg = ScreenRegistry()
    _make(reg, [])
    nav, _ = _nav(qtbot, reg)
    nav.home()
    assert not nav.push("nowhere")
    assert nav.current_route == "home"
    assert any("no screen registered" in r.message for r in caplog.records)


def test_a_real_screen_replaces_a_fallback(qtbot: QtBot) -> None:
    reg = ScreenRegistry()
    _make(reg, [])

    @register_screen("category", fallback=True, registry=reg)
    class Pending(Screen):
        pass

    nav, _ = _nav(qtbot, reg)
    nav.push("category")
    assert type(nav.current_screen) is Pending

    @register_screen("category", registry=reg)
    class Real(Screen):
        pass

    @register_screen("category", fallback=True, registry=reg)
    class LaterFallback(Screen):
        pass

    assert reg.get("category") is Real
    nav.push("category")
    assert type(nav.current_screen) is Real
    reg.remove("category", Real)
    assert reg.get("category") is LaterFallback
