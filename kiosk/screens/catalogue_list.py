"""A paged list of catalogue entries (items and themes), shared by the category and search screens.

Touch, not scroll: a fixed number of whole-row buttons per page (fewer and taller in elderly
mode) with 上一页 / 下一页, so nothing needs a swipe and nothing is cut off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.i18n import tr
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen
from kiosk.screens.journey_support import ItemRow, item_subtitle, local, services, theme_subtitle
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton

if TYPE_CHECKING:
    from kiosk.app import KioskApp


@dataclass(frozen=True)
class Entry:
    target_id: str
    is_theme: bool
    highlight: tuple[int, int] | None = None
    reason: str = ""


class CatalogueListScreen(Screen):
    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.entries: list[Entry] = []
        self.page = 0
        self._per_page = 7
        self._row_height = 96
        root = QtWidgets.QVBoxLayout(self)
        self._root = root
        self.top = QtWidgets.QVBoxLayout()
        root.addLayout(self.top)
        self.empty = QtWidgets.QLabel()
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.hide()
        root.addWidget(self.empty)
        self.rows_box = QtWidgets.QVBoxLayout()
        self.rows: list[ItemRow] = []
        root.addLayout(self.rows_box)
        root.addStretch(1)
        pager = QtWidgets.QHBoxLayout()
        self.prev_button = BigButton("", "secondary")
        self.prev_button.setObjectName("PrevPage")
        self.prev_button.clicked.connect(lambda: self._turn(-1))
        self.page_label = QtWidgets.QLabel()
        self.page_label.setProperty("role", "muted")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = BigButton("", "secondary")
        self.next_button.setObjectName("NextPage")
        self.next_button.clicked.connect(lambda: self._turn(1))
        pager.addWidget(self.prev_button)
        pager.addWidget(self.page_label, 1)
        pager.addWidget(self.next_button)
        root.addLayout(pager)

    # --- content ----------------------------------------------------------------------------
    def prepare_rows(self) -> None:
        """Create a page's worth of (hidden) rows ahead of time: building and styling them is
        the slow part of showing a list, and a card read must not wait for it."""
        while len(self.rows) < self._per_page:
            row = ItemRow()
            self._connect_row(row)
            row.hide()
            self.rows.append(row)
            self.rows_box.addWidget(row)

    def set_entries(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.page = 0
        self._render()

    def _connect_row(self, row: ItemRow) -> None:
        row.clicked.connect(lambda: self._open(row.target_id))

    def _turn(self, step: int) -> None:
        pages = self.page_count()
        self.page = max(0, min(pages - 1, self.page + step))
        self._render()

    def page_count(self) -> int:
        return max(1, -(-len(self.entries) // self._per_page))

    def _render(self) -> None:
        svc = services(self.app)
        cat = svc.catalogue.catalogue
        shown = self.entries[self.page * self._per_page:(self.page + 1) * self._per_page]
        while len(self.rows) < len(shown):
            row = ItemRow()
            self._connect_row(row)
            self.rows.append(row)
            self.rows_box.addWidget(row)
        for row, entry in zip(self.rows, shown, strict=False):
            if entry.is_theme:
                theme = cat.theme(entry.target_id)
                name, sub = local(theme.name), theme_subtitle(theme)
            else:
                item = cat.item(entry.target_id)
                name, sub = local(item.name), item_subtitle(item)
            if entry.reason:
                sub = f"★ {entry.reason}  ·  {sub}"
            row.show_entry(entry.target_id, name, sub, self._row_height,
                           entry.highlight if self._highlight_matches() else None)
        for row in self.rows[len(shown):]:
            row.hide()
        pages = self.page_count()
        self.page_label.setText(f"{self.page + 1} / {pages}")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < pages - 1)
        for w in (self.prev_button, self.next_button, self.page_label):
            w.setVisible(pages > 1)

    def _highlight_matches(self) -> bool:
        from kiosk.i18n import current_language

        return current_language() == "zh_CN"

    def _open(self, target_id: str) -> None:
        if target_id:
            svc = services(self.app)
            if svc.identity is not None:
                svc.taps_before += 1
            self.app.nav.push("item", target=target_id)

    # --- Screen API -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.prev_button.setText("‹ " + tr("catalogue.prev_page"))
        self.next_button.setText(tr("catalogue.next_page") + " ›")
        if self.entries:
            self._render()

    def apply_theme(self, theme: Theme) -> None:
        m = theme.margin
        self._root.setContentsMargins(m, m // 2, m, m // 2)
        self._root.setSpacing(theme.spacing)
        self.rows_box.setSpacing(theme.spacing // 2)
        self._per_page = 4 if theme.elderly else 6
        self._row_height = max(theme.target, theme.font_heading + theme.font_small + 44)
        if self.entries:
            self._render()

    def reset(self) -> None:
        self.entries = []
        for row in self.rows:
            row.hide()
