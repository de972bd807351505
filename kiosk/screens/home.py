"""Home: the twelve category tiles, search, the "insert your ID card" hint, and the one-tap
language and 长辈模式 switches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.categories import CATEGORIES
from kiosk.i18n import current_language, tr
from kiosk.qt import QtWidgets, Signal
from kiosk.screens.base import Screen, register_screen
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton, SearchEntryButton, ToggleButton
from kiosk.ui.widgets.icons import id_card_pixmap
from kiosk.ui.widgets.tile import Tile

if TYPE_CHECKING:
    from kiosk.app import KioskApp


@register_screen("home")
class HomeScreen(Screen):
    voice_prompt_key = "home.voice"
    show_page_bar = False

    categoryChosen = Signal(str)
    searchRequested = Signal()

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self._theme: Theme | None = None
        root = QtWidgets.QVBoxLayout(self)
        self._root = root

        # Row 1: greeting + switches
        top = QtWidgets.QHBoxLayout()
        greet = QtWidgets.QVBoxLayout()
        greet.setSpacing(4)
        self.welcome = QtWidgets.QLabel()
        self.welcome.setProperty("role", "title")
        self.welcome_sub = QtWidgets.QLabel()
        self.welcome_sub.setProperty("role", "muted")
        greet.addWidget(self.welcome)
        greet.addWidget(self.welcome_sub)
        self.language_button = BigButton("", "secondary")
        self.language_button.setObjectName("LanguageSwitch")
        self.language_button.clicked.connect(self._toggle_language)
        self.elderly_button = ToggleButton()
        self.elderly_button.setObjectName("ElderlySwitch")
        self.elderly_button.clicked.connect(self._toggle_elderly)
        top.addLayout(greet, 1)
        # Fixed-height buttons: a layout centres them vertically in the row by itself.
        top.addWidget(self.language_button)
        top.addWidget(self.elderly_button)
        root.addLayout(top)

        # Row 2: the ID-card hint and search side by side
        row = QtWidgets.QHBoxLayout()
        self.id_banner = QtWidgets.QFrame()
        self.id_banner.setProperty("role", "banner")
        self.id_banner.setObjectName("IdCardHint")
        banner = QtWidgets.QHBoxLayout(self.id_banner)
        banner.setContentsMargins(24, 12, 24, 12)
        banner.setSpacing(20)
        self.id_icon = QtWidgets.QLabel()
        texts = QtWidgets.QVBoxLayout()
        texts.setSpacing(2)
        self.id_hint = QtWidgets.QLabel()
        self.id_hint.setProperty("role", "heading")
        self.id_hint_sub = QtWidgets.QLabel()
        self.id_hint_sub.setProperty("role", "small")
        self.id_hint_sub.setWordWrap(True)
        texts.addWidget(self.id_hint)
        texts.addWidget(self.id_hint_sub)
        banner.addWidget(self.id_icon)
        banner.addLayout(texts, 1)
        self.search_button = SearchEntryButton()
        self.search_button.setObjectName("SearchEntry")
        self.search_button.clicked.connect(self.searchRequested)
        self.search_button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                         QtWidgets.QSizePolicy.Policy.Fixed)
        row.addWidget(self.id_banner, 5)
        row.addWidget(self.search_button, 4)
        root.addLayout(row)

        # Row 3: categories
        self.section = QtWidgets.QLabel()
        self.section.setProperty("role", "heading")
        root.addWidget(self.section)
        self.grid = QtWidgets.QGridLayout()
        self.tiles: list[Tile] = []
        for i, cat in enumerate(CATEGORIES):
            tile = Tile(cat.id, cat.glyph, i)
            tile.clicked.connect(lambda _=False, cid=cat.id: self.categoryChosen.emit(cid))
            self.tiles.append(tile)
        root.addLayout(self.grid, 1)

        self.categoryChosen.connect(self._open_category)
        self.searchRequested.connect(lambda: self.app.nav.push("search"))

    # --- actions ---------------------------------------------------------------------------
    def _open_category(self, category_id: str) -> None:
        self.app.nav.push("category", category=category_id)

    def _toggle_language(self) -> None:
        self.app.set_language("en_US" if current_language() == "zh_CN" else "zh_CN")

    def _toggle_elderly(self) -> None:
        self.app.set_elderly_mode(not self.app.theme.elderly)

    # --- Screen API ------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        self.elderly_button.setChecked(self.app.theme.elderly)

    def retranslate(self) -> None:
        self.welcome.setText(tr("home.welcome"))
        self.welcome_sub.setText(tr("home.welcome_sub"))
        # The switch is labelled in the language it switches TO, so it can be found by anyone.
        self.language_button.setText(tr("home.switch_to_other_language"))
        self._update_elderly_text()
        self.id_hint.setText(tr("home.insert_id"))
        self.id_hint_sub.setText(tr("home.insert_id_sub"))
        self.search_button.setText(tr("home.search_placeholder"))
        self.section.setText(tr("home.categories"))
        for tile, cat in zip(self.tiles, CATEGORIES, strict=True):
            tile.set_text(tr(cat.name_key))

    def _update_elderly_text(self) -> None:
        on = self.app.theme.elderly
        self.elderly_button.setChecked(on)
        self.elderly_button.setText(tr("home.elderly_on" if on else "home.elderly_off"))

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        m = theme.margin
        self._root.setContentsMargins(m, m * 3 // 4, m, m * 3 // 4)
        self._root.setSpacing(theme.spacing)
        self.grid.setSpacing(theme.spacing)
        icon_edge = theme.button_height - 8
        self.id_icon.setPixmap(id_card_pixmap(icon_edge, theme.palette.primary,
                                              theme.palette.surface))
        self.id_icon.setFixedSize(icon_edge, icon_edge)
        self.search_button.set_glyph(theme.font_heading, theme.spacing, theme.palette.primary)
        self.id_hint_sub.setVisible(not theme.elderly)  # fewer words on screen in elderly mode
        self.welcome_sub.setVisible(not theme.elderly)
        for tile in self.tiles:
            tile.apply_theme(theme)
            tile.setMinimumSize(theme.target * 2, theme.target * 2 if not theme.elderly
                                else theme.target)
        self._layout_tiles(theme.tiles_per_row)
        self._update_elderly_text()

    def _layout_tiles(self, per_row: int) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // per_row, i % per_row)
        rows = (len(self.tiles) + per_row - 1) // per_row
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 1 if r < rows else 0)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 1 if c < per_row else 0)

    def reset(self) -> None:
        self._update_elderly_text()
