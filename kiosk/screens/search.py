"""Search as you type (route ``search``): Chinese, full pinyin or initials (sbjf → 社保缴费).

The index is built once per catalogue version; each keystroke is a lookup of a few tenths of a
millisecond (bench/bench_search.py), so it runs on the UI thread as the text changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.i18n import tr
from kiosk.qt import QtCore, QtWidgets
from kiosk.screens.base import register_screen
from kiosk.screens.catalogue_list import CatalogueListScreen, Entry
from kiosk.screens.journey_support import services
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.textfield import TextField

if TYPE_CHECKING:
    from kiosk.app import KioskApp


SMALL_CATALOGUE = 1000  # items; larger ones are only searched once the background build is done


@register_screen("search")
class SearchScreen(CatalogueListScreen):
    title_key = "catalogue.search_title"
    voice_prompt_key = "catalogue.voice_search"

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.field = TextField()
        self.field.setObjectName("SearchField")
        self.field.edit.textChanged.connect(self._search)
        self.count = QtWidgets.QLabel()
        self.count.setProperty("role", "muted")
        self.top.addWidget(self.field)
        self.top.addWidget(self.count)

    def _search(self, text: str) -> None:
        svc = services(self.app)
        index = svc.catalogue.index_if_ready()
        if index is None and len(svc.catalogue.catalogue.items) <= SMALL_CATALOGUE:
            index = svc.catalogue.index()  # a small catalogue indexes in a blink
        if index is None:
            # Still being built in the background (large catalogues): say so and try again.
            self.count.setText(tr("catalogue.preparing"))
            QtCore.QTimer.singleShot(200, self, self._retry)  # cancelled with the screen
            return
        hits = index.search(text, self.app.config.journeys.search_max_results,
                                            boosts=svc.boosts() or None)
        self.set_entries([Entry(h.target_id, h.is_theme, h.span) for h in hits])
        if not text.strip():
            self.count.setText("")
            self.empty.hide()
        elif not hits:
            self.count.setText("")
            self.empty.setText(tr("catalogue.no_results"))
            self.empty.show()
        else:
            self.empty.hide()
            self.count.setText(tr("catalogue.results_count", n=len(hits)))

    def _retry(self) -> None:
        if self.app.nav.current_screen is self:
            self._search(self.field.text())

    def enter(self, **params: Any) -> None:
        query = str(params.get("query", ""))
        if query or not self.field.text():
            self.field.set_text(query)
        self._search(self.field.text())
        self.field.edit.setFocus()

    def retranslate(self) -> None:
        super().retranslate()
        self.field.set_label(tr("catalogue.search_title"), tr("catalogue.search_placeholder"))
        self.field.edit.setPlaceholderText("sbjf")
        if self.field.text():
            self._search(self.field.text())

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        self._per_page = 2 if theme.elderly else 4

    def reset(self) -> None:
        super().reset()
        self.field.clear()

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"query": "sbjf"}, {"query": "公积金"}, {"query": "xyzxyz"}]
