"""A category's items (route ``category``, param ``category``): recommended ones first."""

from __future__ import annotations

from typing import Any

from kiosk.categories import category
from kiosk.i18n import tr
from kiosk.screens.base import register_screen
from kiosk.screens.catalogue_list import CatalogueListScreen, Entry
from kiosk.screens.journey_support import reason_text, services


@register_screen("category")
class CategoryScreen(CatalogueListScreen):
    title_key = "catalogue.categories"
    voice_prompt_key = "catalogue.voice_category"
    _category_id = ""

    def title(self) -> str:
        cat = category(self._category_id)
        return tr(cat.name_key) if cat else tr("catalogue.categories")

    def enter(self, **params: Any) -> None:
        self._category_id = str(params.get("category", ""))
        svc = services(self.app)
        catalogue = svc.catalogue.catalogue
        recommended = {r.item_id: r for r in svc.recommendations}
        entries: list[Entry] = []
        themes = [t for t in catalogue.themes if t.category == self._category_id]
        # Other provinces' 跨省通办 items only for citizens of that province (search finds all).
        home = svc.identity.id_number[:2] if svc.identity is not None else None
        items = [i for i in catalogue.items_in(self._category_id)
                 if not i.cross_province or i.region.province == home]
        items.sort(key=lambda i: -recommended[i.id].score if i.id in recommended else 0.0)
        entries += [Entry(t.id, True) for t in themes]
        entries += [Entry(i.id, False, reason=reason_text(recommended[i.id], i)
                          if i.id in recommended else "") for i in items]
        self.set_entries(entries)

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"category": "social_security"}]
