"""Access checks over the screenshot tour: every registered screen (and the idle countdown), in
both themes and both languages — touch targets, font sizes, contrast, voice prompts.

Limits and the few font-size exemptions are in :mod:`kiosk.diag.access`. The last tests show the
checkers fail on deliberately bad widgets and colours.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.diag import access
from kiosk.i18n import CATALOGUE, LANGUAGES
from kiosk.qt import QtWidgets
from kiosk.screens import discover
from kiosk.ui.theme import THEMES, build_qss

pytest_plugins = ("tests.shell_helpers",)


def _views(app: Any) -> list[tuple[str, Any]]:
    """(name, show-it) for every screen the tour renders, plus the idle countdown."""
    views: list[tuple[str, Any]] = []
    for route in app.nav.registry.routes():
        cls = app.nav.registry.get(route)
        for i, params in enumerate(cls.tour_params()):
            def show(route: str = route, params: dict[str, Any] = params) -> None:
                app.nav.home()
                if route != app.nav.home_route:
                    app.nav.push(route, **params)
            views.append((f"{route}-{i + 1}", show))

    def idle() -> None:
        app.nav.home()
        app.idle.dialog.set_remaining(app.config.ui.idle_warning_s)
        app.idle.dialog.open()
    views.append(("idle_warning", idle))
    return views


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("theme", ["normal", "elderly"])
def test_tour_screens_meet_touch_and_font_minimums(make_app: Any, qtbot: QtBot, language: str,
                                                    theme: str) -> None:
    app = make_app()
    app.idle.stop()
    app.set_language(language)
    app.set_elderly_mode(theme == "elderly")
    problems: list[str] = []
    checked_buttons = 0
    for name, show in _views(app):
        show()
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        window = app.window
        checked_buttons += sum(1 for w in access.visible_widgets(window)
                               if isinstance(w, QtWidgets.QAbstractButton))
        problems += [f"{name}: {p}" for p in access.touch_target_problems(window, access.MIN_TARGET_PX[theme])]
        problems += [f"{name}: {p}" for p in access.font_problems(window, access.MIN_BODY_PX[theme],
                                                                  access.SMALL_MIN_PX[theme])]
        if app.idle.dialog.isVisible():
            app.idle.dialog.close_dialog()
    assert checked_buttons > 10  # the checks really looked at something
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_every_colour_pair_the_style_sheet_draws_has_contrast(theme: Any) -> None:
    pairs = access.qss_text_pairs(build_qss(theme), (theme.palette.background, theme.palette.surface))
    assert len(pairs) >= 20
    assert not access.theme_contrast_problems(theme, build_qss(theme))


def test_theme_values_meet_the_product_minimums() -> None:
    for name, theme in THEMES.items():
        assert theme.target >= access.MIN_TARGET_PX[name]
        assert theme.font_body >= access.MIN_BODY_PX[name]
        assert theme.font_small >= access.SMALL_MIN_PX[name]


# Screens without a voice prompt of their own, and why (kept few):
STAFF_ROUTES = {"assisted", "diagnostics", "staff_login"}  # staff-facing, not citizens
NO_PROMPT = {"paused": "an out-of-service sign with nothing to do"}
STEP_PROMPTS = {"journey"}  # speaks one prompt per journey step (checked below)


def _translated(key: str) -> bool:
    entry = CATALOGUE.messages.get(key, {})
    return all(entry.get(lang, "").strip() for lang in LANGUAGES)


def test_every_registered_screen_has_a_translated_voice_prompt() -> None:
    registry = discover()
    routes = registry.routes()
    assert {"home", "journey"} <= set(routes)
    for route in routes:
        if route in STAFF_ROUTES | set(NO_PROMPT) | STEP_PROMPTS:
            continue
        cls = registry.get(route)
        assert cls is not None
        key = cls.voice_prompt_key
        assert key, f"screen {route!r} has no voice prompt"
        assert _translated(key), f"{key} lacks a translation"


def test_every_journey_step_has_a_translated_voice_prompt() -> None:
    from kiosk.journeys.engine import StepKind

    keys = [f"journeys.voice.{kind.value}" for kind in StepKind]
    keys += ["journeys.voice.choose", "journeys.voice.enter", "journeys.voice.material",
             "journeys.voice.confirmation_queued"]
    missing = [k for k in keys if not _translated(k)]
    assert not missing, missing


# --- the checkers can fail -------------------------------------------------------------------
def test_checkers_catch_a_deliberately_bad_widget(qtbot: QtBot) -> None:
    qapp = QtWidgets.QApplication.instance()
    assert isinstance(qapp, QtWidgets.QApplication)
    previous = qapp.styleSheet()  # an earlier test's app may have left its QSS (min sizes) behind
    qapp.setStyleSheet("")
    try:
        _check_bad_widget(qtbot)
    finally:
        qapp.setStyleSheet(previous)


def _check_bad_widget(qtbot: QtBot) -> None:
    root = QtWidgets.QWidget()
    qtbot.addWidget(root)
    layout = QtWidgets.QVBoxLayout(root)
    small = QtWidgets.QPushButton("x")
    small.setFixedSize(40, 40)
    tiny_text = QtWidgets.QLabel("看不清")
    font = tiny_text.font()
    font.setPixelSize(12)
    tiny_text.setFont(font)
    big = QtWidgets.QPushButton("好")
    big.setFixedSize(120, 120)
    bfont = big.font()
    bfont.setPixelSize(30)
    big.setFont(bfont)
    for w in (small, tiny_text, big):
        layout.addWidget(w)
    root.show()
    qtbot.waitExposed(root)
    targets = access.touch_target_problems(root, 60)
    assert len(targets) == 1 and "40×40" in targets[0]
    fonts = access.font_problems(root, 24, 20)
    assert any("看不清" in p for p in fonts) and not any("'好'" in p for p in fonts)
    assert access.touch_target_problems(root, 130)  # the big one fails a stricter limit


def test_contrast_checker_catches_a_bad_pair() -> None:
    qss = "QLabel#Faint { color: #AAAAAA; background: #FFFFFF; }\nQFrame#Dark { background: #000000; }\n" \
          "QFrame#Dark QLabel { color: #111111; }\nQLabel#Ok { color: #000000; }"
    pairs = access.qss_text_pairs(qss, ("#FFFFFF",))
    assert pairs["QFrame#Dark QLabel"] == ("#111111", "#000000")  # the ancestor's background
    problems = access.contrast_problems(pairs)
    assert len(problems) == 2 and all("Faint" in p or "Dark" in p for p in problems)
