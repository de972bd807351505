import re

import pytest

from kiosk.ui.theme import ELDERLY, NORMAL, THEMES, build_qss, contrast_ratio, relative_luminance


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # WCAG's own example: #767676 on white is the lightest grey that passes 4.5:1.
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#FFFFFF") < 4.5
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    with pytest.raises(ValueError):
        relative_luminance("#FFF")


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_every_text_pair_has_contrast_at_least_4_5(theme) -> None:  # type: ignore[no-untyped-def]
    low = {name: round(contrast_ratio(fg, bg), 2) for name, (fg, bg) in theme.contrast_pairs().items()
           if contrast_ratio(fg, bg) < 4.5}
    assert not low, f"{theme.name}: pairs below 4.5:1: {low}"
    assert len(theme.contrast_pairs()) >= 17 + len(theme.palette.accents)


def test_sizes_follow_the_ux_rules() -> None:
    assert NORMAL.font_body >= 24 and ELDERLY.font_body >= 36
    assert NORMAL.target >= 60 and NORMAL.button_height >= 60
    assert ELDERLY.target >= 80 and ELDERLY.button_height >= 80
    assert ELDERLY.target > NORMAL.target and ELDERLY.font_body > NORMAL.font_body
    assert ELDERLY.tiles_per_row < NORMAL.tiles_per_row
    for t in (NORMAL, ELDERLY):
        assert t.keypad_key >= t.target
        assert min(t.font_title, t.font_heading, t.font_button, t.font_tile) >= t.font_body


def test_qss_is_generated_from_the_theme() -> None:
    for t in (NORMAL, ELDERLY):
        qss = build_qss(t)
        assert f"font-size: {t.font_body}px" in qss
        assert f"min-height: {t.button_height}px" in qss
        assert t.palette.primary in qss
        # every colour in the QSS comes from the palette (one source of colours)
        colours = {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}\b", qss)}
        palette = {v.upper() for v in t.palette._asdict().values() if isinstance(v, str)}
        assert colours <= palette, colours - palette
    assert build_qss(NORMAL) != build_qss(ELDERLY)
