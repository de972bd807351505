"""Normal and elderly (长辈模式) themes as data, and the one place that turns a theme into QSS.

Sizes follow the product brief's UX rules at 1080p: main text ≥ 24 px (normal) / ≥ 36 px
(elderly), touch targets ≥ 60×60 px (normal) / ≥ 80×80 px (elderly), every text/background pair
≥ 4.5:1 contrast (WCAG 2.x relative luminance). Qt-free: tests and the tour read it directly.
"""

from __future__ import annotations

from typing import NamedTuple

# Families tried in order; Qt falls back per glyph. WenQuanYi Micro Hei is what setup.sh installs.
FONT_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                 "WenQuanYi Zen Hei", "DejaVu Sans", "sans-serif")


# Named tuples rather than dataclasses: the same frozen records, made in microseconds at import
# (two frozen dataclasses cost ~4 ms of every start-up).
class Palette(NamedTuple):
    background: str  # window background
    surface: str  # cards, tiles, dialogs
    surface_alt: str  # banners, pressed tiles
    text: str
    text_muted: str
    primary: str  # header, primary buttons
    primary_pressed: str
    on_primary: str
    on_primary_muted: str
    border: str
    focus: str
    ok: str  # status texts; always paired with a symbol, never colour alone
    warning: str
    error: str
    error_surface: str
    backdrop: str  # behind dialogs (rgba)
    # Category tile accents: the glyph badge colour (text on it is ``on_primary``).
    accents: tuple[str, ...] = ()


class Theme(NamedTuple):
    name: str  # "normal" | "elderly"
    palette: Palette
    font_body: int  # px, main text
    font_small: int  # px, status bar and secondary text
    font_heading: int
    font_title: int
    font_button: int
    font_tile: int
    font_glyph: int  # the character in a category tile's badge
    target: int  # minimum touch target edge, px
    button_height: int
    radius: int
    spacing: int
    margin: int
    tiles_per_row: int
    keypad_key: int  # edge of a numeric keypad key
    header_height: int
    status_height: int
    font_families: tuple[str, ...] = FONT_FAMILIES

    @property
    def elderly(self) -> bool:
        return self.name == "elderly"

    def contrast_pairs(self) -> dict[str, tuple[str, str]]:
        """Every foreground/background pair the QSS draws text with (tested ≥ 4.5:1)."""
        p = self.palette
        pairs = {
            "text/background": (p.text, p.background),
            "text/surface": (p.text, p.surface),
            "text/surface_alt": (p.text, p.surface_alt),
            "muted/surface": (p.text_muted, p.surface),
            "muted/background": (p.text_muted, p.background),
            "muted/surface_alt": (p.text_muted, p.surface_alt),
            "on_primary/primary": (p.on_primary, p.primary),
            "on_primary/primary_pressed": (p.on_primary, p.primary_pressed),
            "on_primary_muted/primary": (p.on_primary_muted, p.primary),
            "primary/surface": (p.primary, p.surface),
            "primary/background": (p.primary, p.background),
            "primary/surface_alt": (p.primary, p.surface_alt),
            "ok/surface": (p.ok, p.surface),
            "warning/surface": (p.warning, p.surface),
            "error/surface": (p.error, p.surface),
            "error/error_surface": (p.error, p.error_surface),
            "text/error_surface": (p.text, p.error_surface),
        }
        for i, accent in enumerate(p.accents):
            pairs[f"on_primary/accent{i}"] = (p.on_primary, accent)
        return pairs


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    h = colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected #rrggbb, got {colour!r}")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    a, b = relative_luminance(foreground), relative_luminance(background)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


# Category badge colours: deep, calm tones that all carry white text at ≥ 4.5:1.
_ACCENTS = ("#0B5CAD", "#0E7C66", "#8A4B08", "#5B3FA8", "#0A6E8A", "#A33A1F",
            "#2F6B1F", "#8C2F5B", "#3E5BA9", "#6B5A12", "#7A3E9D", "#1F5F8B")

NORMAL = Theme(
    name="normal",
    palette=Palette(
        background="#F2F5FA", surface="#FFFFFF", surface_alt="#E6EEF8",
        text="#1A2233", text_muted="#4A5568",
        primary="#0A4A96", primary_pressed="#073A77", on_primary="#FFFFFF",
        on_primary_muted="#D6E4F5", border="#B8C4D6", focus="#E07B00",
        ok="#1B6B35", warning="#8A4F00", error="#B3261E", error_surface="#FDECEA",
        backdrop="rgba(10, 20, 40, 150)", accents=_ACCENTS),
    font_body=26, font_small=22, font_heading=32, font_title=40, font_button=28, font_tile=28,
    font_glyph=44, target=64, button_height=84, radius=12, spacing=20, margin=36,
    tiles_per_row=6, keypad_key=96, header_height=96, status_height=56,
)

# Elderly mode: bigger everything, pure black on white, a darker blue, fewer tiles per row.
ELDERLY = Theme(
    name="elderly",
    palette=Palette(
        background="#FFFFFF", surface="#FFFFFF", surface_alt="#EAF1FB",
        text="#000000", text_muted="#2D3748",
        primary="#003A80", primary_pressed="#002A5E", on_primary="#FFFFFF",
        on_primary_muted="#E3ECF8", border="#3D4A5C", focus="#C25E00",
        ok="#14532D", warning="#6B3A00", error="#9B1C1C", error_surface="#FDECEA",
        backdrop="rgba(0, 0, 0, 170)", accents=_ACCENTS),
    font_body=36, font_small=28, font_heading=42, font_title=52, font_button=38, font_tile=40,
    font_glyph=56, target=96, button_height=108, radius=14, spacing=24, margin=40,
    tiles_per_row=4, keypad_key=128, header_height=108, status_height=64,
)

THEMES = {t.name: t for t in (NORMAL, ELDERLY)}


def theme_for(elderly: bool) -> Theme:
    return ELDERLY if elderly else NORMAL


SEARCH_GLYPH_GAP = 10  # between the search entry's magnifier and its prompt
HEADER_EMBLEM_INSET = 28  # the round emblem in the header: header height minus this


def build_qss(t: Theme) -> str:
    """The whole application style sheet, generated from the theme (the only QSS source)."""
    p = t.palette
    emblem = t.header_height - HEADER_EMBLEM_INSET
    # The font family is set on QApplication (kiosk.app), not with a costly universal selector.
    return f"""
QWidget {{ color: {p.text}; font-size: {t.font_body}px; }}
QWidget#MainWindow, QWidget#ScreenStack, Screen, QScrollArea, QScrollArea > QWidget > QWidget {{
    background: {p.background};
}}
QFrame#Header {{ background: {p.primary}; }}
QFrame#Header QLabel {{ color: {p.on_primary}; background: transparent; }}
QLabel#HeaderTitle {{ font-size: {t.font_title}px; font-weight: bold; }}
QLabel#HeaderSub, QLabel#HeaderDate {{ color: {p.on_primary_muted}; font-size: {t.font_small}px; }}
QLabel#HeaderClock {{ font-size: {t.font_heading}px; font-weight: bold; }}
QFrame#Header QLabel#HeaderEmblem {{
    background: {p.on_primary}; color: {p.primary}; border-radius: {emblem // 2}px;
    font-size: {emblem * 55 // 100}px; font-weight: bold;
}}
QFrame#PageBar {{ background: {p.surface}; border-bottom: 2px solid {p.border}; }}
QLabel#PageTitle {{ font-size: {t.font_heading}px; font-weight: bold; color: {p.text}; }}
QFrame#StatusBar {{ background: {p.surface}; border-top: 2px solid {p.border}; }}
QFrame#StatusBar QLabel {{ font-size: {t.font_small}px; color: {p.text_muted}; }}
QLabel[severity="ok"] {{ color: {p.ok}; }}
QLabel[severity="warning"] {{ color: {p.warning}; font-weight: bold; }}
QLabel[severity="error"] {{ color: {p.error}; font-weight: bold; }}
QFrame#StatusBar QLabel[severity="ok"] {{ color: {p.ok}; }}
QFrame#StatusBar QLabel[severity="warning"] {{ color: {p.warning}; }}
QFrame#StatusBar QLabel[severity="error"] {{ color: {p.error}; }}
QLabel[role="title"] {{ font-size: {t.font_title}px; font-weight: bold; color: {p.text}; }}
QLabel[role="heading"] {{ font-size: {t.font_heading}px; font-weight: bold; color: {p.text}; }}
QLabel[role="body"] {{ font-size: {t.font_body}px; color: {p.text}; }}
QLabel[role="muted"] {{ font-size: {t.font_body}px; color: {p.text_muted}; }}
QLabel[role="small"] {{ font-size: {t.font_small}px; color: {p.text_muted}; }}
QFrame[role="card"] {{
    background: {p.surface}; border: 2px solid {p.border}; border-radius: {t.radius}px;
}}
QFrame[role="banner"] {{
    background: {p.surface_alt}; border: 2px solid {p.primary}; border-radius: {t.radius}px;
}}
QFrame[role="banner"] QLabel, QFrame[role="card"] QLabel {{ background: transparent; }}
QPushButton {{
    min-height: {t.button_height}px; min-width: {t.target}px; padding: 0 {t.spacing}px;
    font-size: {t.font_button}px; border-radius: {t.radius}px;
    background: {p.surface}; color: {p.primary}; border: 3px solid {p.primary};
}}
QPushButton:pressed {{ background: {p.surface_alt}; }}
QPushButton:focus {{ outline: none; border: 3px solid {p.focus}; }}
QPushButton[variant="primary"] {{
    background: {p.primary}; color: {p.on_primary}; border: 3px solid {p.primary}; font-weight: bold;
}}
QPushButton[variant="primary"]:pressed {{ background: {p.primary_pressed}; }}
QPushButton[variant="primary"]:focus {{ border: 3px solid {p.focus}; }}
QPushButton[variant="quiet"] {{ border: 2px solid {p.border}; color: {p.text}; }}
QPushButton[variant="header"] {{
    background: transparent; color: {p.on_primary}; border: 2px solid {p.on_primary};
    min-height: {t.target}px; font-size: {t.font_small + 2}px;
}}
QPushButton[variant="header"]:checked {{ background: {p.on_primary}; color: {p.primary}; font-weight: bold; }}
QPushButton[variant="header"]:pressed {{ background: {p.primary_pressed}; }}
QPushButton[variant="toggle"]:checked {{
    background: {p.primary}; color: {p.on_primary}; font-weight: bold;
}}
QPushButton[variant="search"] {{
    text-align: left; padding-left: {t.spacing + t.font_heading + SEARCH_GLYPH_GAP}px; color: {p.text_muted};
    border: 3px solid {p.primary}; background: {p.surface};
}}
QPushButton[variant="key"] {{
    min-width: {t.keypad_key}px; min-height: {t.keypad_key}px; font-size: {t.font_heading}px; padding: 0;
    color: {p.text}; border: 2px solid {p.border}; background: {p.surface};
}}
QPushButton[variant="key"][word="true"] {{ font-size: {t.font_body}px; }}
QPushButton[variant="key"]:pressed {{ background: {p.surface_alt}; }}
QPushButton#Tile {{
    background: {p.surface}; color: {p.text}; border: 2px solid {p.border}; border-radius: {t.radius + 4}px;
    padding: {t.spacing // 2}px;
}}
QPushButton#Tile:pressed {{ background: {p.surface_alt}; border: 3px solid {p.primary}; }}
QPushButton#Tile:focus {{ border: 3px solid {p.focus}; }}
QLabel#TileBadge {{
    font-size: {t.font_glyph}px; font-weight: bold; color: {p.on_primary}; border-radius: {t.radius}px;
}}
QLineEdit {{
    min-height: {t.button_height}px; font-size: {t.font_body}px; padding: 0 {t.spacing // 2}px;
    background: {p.surface}; color: {p.text}; border: 3px solid {p.border}; border-radius: {t.radius // 2}px;
}}
QLineEdit:focus {{ border: 3px solid {p.primary}; }}
QLineEdit[invalid="true"] {{ border: 4px solid {p.error}; }}
QLabel#FieldLabel {{ font-size: {t.font_body}px; font-weight: bold; color: {p.text}; }}
QLabel#FieldHint {{ font-size: {t.font_small}px; color: {p.text_muted}; }}
QLabel#FieldError {{ font-size: {t.font_body}px; font-weight: bold; color: {p.error}; }}
QFrame#ErrorSummary {{
    background: {p.error_surface}; border: 4px solid {p.error}; border-radius: {t.radius // 2}px;
}}
QFrame#ErrorSummary QLabel {{ color: {p.text}; background: transparent; }}
QFrame#ErrorSummary QLabel#ErrorSummaryTitle {{ color: {p.error}; font-weight: bold; font-size: {t.font_heading}px; }}
QPushButton[variant="link"] {{
    border: none; background: transparent; text-align: left; color: {p.primary};
    text-decoration: underline; min-height: {t.target}px; padding: 0;
}}
QWidget#OverlayBackdrop {{ background: {p.backdrop}; }}
QFrame#OverlayCard {{
    background: {p.surface}; border: 3px solid {p.primary}; border-radius: {t.radius + 6}px;
}}
QFrame#OverlayCard QLabel {{ background: transparent; }}
QLabel#CountdownNumber {{ font-size: {t.font_title * 2}px; font-weight: bold; color: {p.primary}; }}
QTabWidget::pane {{ border: 1px solid {p.border}; }}
QScrollBar:vertical {{ width: {t.spacing}px; background: {p.surface_alt}; }}
QScrollBar::handle:vertical {{ background: {p.border}; min-height: {t.target}px; border-radius: 6px; }}
"""


def dev_qss() -> str:
    """The dev dock is a developer tool: ordinary desktop sizes, kept out of the kiosk theme."""
    return """
* { font-size: 14px; }
QPushButton { min-height: 28px; min-width: 0; padding: 2px 10px; border-radius: 4px;
              border: 1px solid #8896AB; background: #FFFFFF; color: #1A2233; font-weight: normal; }
QPushButton:checked { background: #0A4A96; color: #FFFFFF; }
QLabel { color: #1A2233; }
QWidget { background: #F7F8FA; }
"""
