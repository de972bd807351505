"""为您推荐 (route ``recommended``): after the card is read, the items that fit this citizen —
the home province's 跨省通办 items, pension items at retirement age, earlier items (with consent).

The composition root pushes it after ``services(app).card_read(identity)`` when there is
something to recommend; every row says why it is there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.catalogue.recommend import Recommendation, recommend
from kiosk.screens.base import register_screen
from kiosk.screens.catalogue_list import CatalogueListScreen, Entry
from kiosk.screens.journey_support import reason_text, services


@register_screen("recommended")
class RecommendedScreen(CatalogueListScreen):
    title_key = "catalogue.suggested_title"
    voice_prompt_key = "catalogue.voice_recommended"

    def enter(self, **params: Any) -> None:
        svc = services(self.app)
        recs: list[Recommendation] = svc.recommendations
        sample = params.get("sample_id_number")
        if isinstance(sample, str):  # the screenshot tour: a fictional person, nothing stored
            recs = recommend(svc.catalogue.catalogue, sample, svc.kiosk_region, dt.date.today(),
                             svc.engine.config)
        cat = svc.catalogue.catalogue
        self.set_entries([Entry(r.item_id, False, reason=reason_text(r, cat.item(r.item_id)))
                          for r in recs if r.item_id in cat.items_by_id])

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        from kiosk.journeys.samples import SAMPLE_ID

        return [{"sample_id_number": SAMPLE_ID}]
