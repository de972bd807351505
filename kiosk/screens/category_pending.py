"""Fallback for the ``category`` route until the journeys work registers the real one.

It says plainly that the items of this category are not connected to this kiosk yet — it does
not pretend to be an empty list.
"""

from __future__ import annotations

from typing import Any

from kiosk.categories import CATEGORIES, category
from kiosk.i18n import tr
from kiosk.screens.base import register_screen
from kiosk.screens.notice import NoticeScreen


@register_screen("category", fallback=True)
class CategoryPendingScreen(NoticeScreen):
    title_key = "home.categories"
    voice_prompt_key = "shell.pending.voice"

    _category_id = ""

    def enter(self, **params: Any) -> None:
        self._category_id = str(params.get("category", ""))
        self.retranslate()

    def category_name(self) -> str:
        cat = category(self._category_id)
        return tr(cat.name_key) if cat else self._category_id

    def title(self) -> str:
        return self.category_name() or tr("home.categories")

    def retranslate(self) -> None:
        cat = category(self._category_id)
        if cat is not None:
            accents = self.app.theme.palette.accents
            self.set_badge(cat.glyph, accents[CATEGORIES.index(cat) % len(accents)])
        self.heading.setText(tr("shell.pending.category_heading"))
        self.message.setText(tr("shell.pending.category_message", category=self.category_name()))
        self.home_button.setText(tr("shell.pending.back_home"))

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"category": "social_security"}]
