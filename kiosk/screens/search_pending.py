"""Fallback for the ``search`` route until the catalogue search screen is registered."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import tr
from kiosk.screens.base import register_screen
from kiosk.screens.notice import NoticeScreen


@register_screen("search", fallback=True)
class SearchPendingScreen(NoticeScreen):
    title_key = "shell.pending.search_title"
    voice_prompt_key = "shell.pending.voice"

    def enter(self, **params: Any) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.set_badge("搜", self.app.theme.palette.primary)
        self.heading.setText(tr("shell.pending.search_heading"))
        self.message.setText(tr("shell.pending.search_message"))
        self.home_button.setText(tr("shell.pending.back_home"))
