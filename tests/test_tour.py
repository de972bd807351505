from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import load_config
from kiosk.i18n import CATALOGUE, current_language
from kiosk.qt import QtGui
from kiosk.screens import discover
from kiosk.tour import run_tour
from kiosk.ui.theme import FONT_FAMILIES


def test_tour_renders_every_registered_screen_in_both_themes_and_languages(
        qtbot: QtBot, tmp_path: Path, tmp_data_env: Path) -> None:
    out = tmp_path / "shots"
    files = run_tour(out, load_config("demo"))
    registry = discover()
    expected = set()
    for route in registry.routes():
        cls = registry.get(route)
        assert cls is not None
        n = len(cls.tour_params())
        tags = [route] if n == 1 else [f"{route}-{i + 1}" for i in range(n)]
        for tag in [*tags, "idle_warning", "widgets"]:
            for lang in ("zh_CN", "en_US"):
                for theme in ("normal", "elderly"):
                    expected.add(f"{tag}_{lang}_{theme}.png")
    assert {f.name for f in files} == expected
    assert {"home_zh_CN_normal.png", "category_en_US_elderly.png"} <= expected
    for f in files:
        image = QtGui.QImage(str(f))
        assert (image.width(), image.height()) == (1920, 1080), f.name
    # different languages and themes really give different pictures
    sizes = {f.name: f.read_bytes() for f in files if f.name.startswith("home_")}
    assert len(set(sizes.values())) == 4
    assert current_language() == "zh_CN"


def _zh_strings() -> str:
    return "".join(entry["zh_CN"] for key, entry in CATALOGUE.messages.items()
                   if key.split(".")[0] in ("common", "shell", "home", "categories"))


def test_a_configured_font_draws_every_chinese_character_we_show(qtbot: QtBot) -> None:
    installed = set(QtGui.QFontDatabase.families())
    usable = [f for f in FONT_FAMILIES if f in installed]
    chars = {c for c in _zh_strings() if ord(c) >= 0x2E80}
    assert len(chars) > 100
    for family in usable:
        raw = QtGui.QRawFont.fromFont(QtGui.QFont(family))
        missing = sorted(c for c in chars if not raw.supportsCharacter(ord(c)))
        if not missing:
            return
    pytest.fail(f"no configured font covers the Chinese text (installed: {usable}); "
                "install fonts-wqy-microhei")
