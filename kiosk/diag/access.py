"""Accessibility checks on live widgets and on the theme: touch targets, font sizes, contrast.

Each check returns a list of human-readable problems (empty = fine), so a test can assert on it
and a technician tool can print it. Limits follow the product brief (1080p): touch targets
≥ 60 px normal / ≥ 80 px elderly, main text ≥ 24 px normal / ≥ 36 px elderly, contrast ≥ 4.5:1.

Font-size exemptions (kept few, each for a reason):
- the status bar line at the bottom (terminal id, network, devices): technician information,
  drawn at the theme's ``font_small`` by design;
- the staff banner (``#StaffBanner``: mode, staff id, time left, staff buttons) shown only while
  a lobby manager or technician is logged in: staff information, at ``font_small`` like the bar;
- labels the QSS marks as secondary (``role="small"``, ``#HeaderSub``, ``#HeaderDate``,
  ``#FieldHint``): hints next to a main text that carries the meaning; still ≥ ``SMALL_MIN_PX``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kiosk.qt import QtWidgets
from kiosk.ui.theme import Theme, contrast_ratio

MIN_TARGET_PX = {"normal": 60, "elderly": 80}
MIN_BODY_PX = {"normal": 24, "elderly": 36}
SMALL_MIN_PX = {"normal": 20, "elderly": 28}  # the exempted secondary texts must still reach this
MIN_CONTRAST = 4.5
SECONDARY_NAMES = frozenset({"HeaderSub", "HeaderDate", "FieldHint"})
EXEMPT_CONTAINERS = frozenset({"StatusBar", "StaffBanner"})


def _describe(w: QtWidgets.QWidget) -> str:
    text = ""
    if isinstance(w, QtWidgets.QLabel | QtWidgets.QAbstractButton | QtWidgets.QLineEdit):
        text = w.text()[:20]
    return f"{type(w).__name__}#{w.objectName() or '?'} {text!r}"


def visible_widgets(root: QtWidgets.QWidget) -> Iterable[QtWidgets.QWidget]:
    for w in [root, *root.findChildren(QtWidgets.QWidget)]:
        if w.isVisible() and w.width() > 0 and w.height() > 0:
            yield w


def touch_target_problems(root: QtWidgets.QWidget, min_px: int) -> list[str]:
    return [f"{_describe(w)}: {w.width()}×{w.height()} px < {min_px}×{min_px}"
            for w in visible_widgets(root)
            if isinstance(w, QtWidgets.QAbstractButton) and (w.width() < min_px or w.height() < min_px)]


def _in_container(w: QtWidgets.QWidget, names: frozenset[str]) -> bool:
    p: QtWidgets.QWidget | None = w
    while p is not None:
        if p.objectName() in names:
            return True
        p = p.parentWidget()
    return False


def _is_secondary(w: QtWidgets.QWidget) -> bool:
    return w.objectName() in SECONDARY_NAMES or w.property("role") == "small"


def font_px(w: QtWidgets.QWidget) -> float:
    font = w.font()
    if font.pixelSize() > 0:
        return float(font.pixelSize())
    return font.pointSizeF() * w.logicalDpiY() / 72.0


def font_problems(root: QtWidgets.QWidget, min_px: int, small_min_px: int) -> list[str]:
    problems = []
    for w in visible_widgets(root):
        if not isinstance(w, QtWidgets.QLabel | QtWidgets.QAbstractButton | QtWidgets.QLineEdit):
            continue
        if isinstance(w, QtWidgets.QLabel | QtWidgets.QAbstractButton) and not w.text().strip():
            continue  # icon-only or empty: no text to read
        if _in_container(w, EXEMPT_CONTAINERS):
            continue
        limit = small_min_px if _is_secondary(w) else min_px
        px = font_px(w)
        if px < limit:
            problems.append(f"{_describe(w)}: font {px:.0f} px < {limit} px")
    return problems


# --- contrast of the colour pairs the style sheet really draws -------------------------------
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_HEX = r"(#[0-9A-Fa-f]{6})"


def qss_text_pairs(qss: str, default_backgrounds: Iterable[str],
                   placed_on: dict[str, Iterable[str]] | None = None) -> dict[str, tuple[str, str]]:
    """``{selector: (text colour, background)}`` for every rule that sets a text colour.

    The background is the rule's own, else that of the rule for its outermost ancestor
    (``QFrame#StatusBar QLabel`` → ``QFrame#StatusBar``), else each of ``default_backgrounds``
    (the window and card surfaces text usually sits on). ``placed_on`` names the backgrounds of
    selectors whose container is not in the selector (a header label sits on the header)."""
    rules: list[tuple[str, dict[str, str]]] = []
    for selectors, body in _RULE.findall(qss):
        props = {}
        for decl in body.split(";"):
            if ":" in decl:
                k, v = decl.split(":", 1)
                props[k.strip()] = v.strip()
        for sel in selectors.split(","):
            rules.append((sel.strip(), props))
    backgrounds: dict[str, str] = {}
    for sel, props in rules:
        m = re.fullmatch(_HEX, props.get("background", props.get("background-color", "")))
        if m:
            backgrounds.setdefault(sel.split(":")[0], m.group(1))
    pairs: dict[str, tuple[str, str]] = {}
    defaults = list(default_backgrounds)
    for sel, props in rules:
        fg = re.fullmatch(_HEX, props.get("color", ""))
        if not fg:
            continue
        own = re.fullmatch(_HEX, props.get("background", props.get("background-color", "")))
        if own:
            pairs[sel] = (fg.group(1), own.group(1))
            continue
        if placed_on and sel in placed_on:
            for i, bg in enumerate(placed_on[sel]):
                pairs[f"{sel} @on{i}"] = (fg.group(1), bg)
            continue
        ancestor = sel.split()[0].split(":")[0] if " " in sel else None
        if ancestor and ancestor in backgrounds:
            pairs[sel] = (fg.group(1), backgrounds[ancestor])
            continue
        for i, bg in enumerate(defaults):
            pairs[f"{sel} @default{i}"] = (fg.group(1), bg)
    return pairs


def contrast_problems(pairs: dict[str, tuple[str, str]]) -> list[str]:
    return [f"{name}: {fg} on {bg} = {contrast_ratio(fg, bg):.2f}:1 < {MIN_CONTRAST}"
            for name, (fg, bg) in pairs.items() if contrast_ratio(fg, bg) < MIN_CONTRAST]


def placements(theme: Theme) -> dict[str, Iterable[str]]:
    """Where widgets styled by a bare selector really sit (kiosk/ui/main_window.py, tile.py)."""
    p = theme.palette
    header = (p.primary, p.primary_pressed)
    return {"QLabel#HeaderSub": header, "QLabel#HeaderDate": header,
            'QPushButton[variant="header"]': header,
            "QLabel#TileBadge": p.accents}  # the badge colour is set per category in code


def theme_contrast_problems(theme: Theme, qss: str) -> list[str]:
    p = theme.palette
    used = qss_text_pairs(qss, (p.background, p.surface), placements(theme))
    return contrast_problems({**theme.contrast_pairs(), **used})
