"""Words the engine wants shown or spoken, without choosing the language itself.

A :class:`Message` is either an i18n key with parameters or text the catalogue supplied in both
languages (a field's own error wording). Parameters may be :class:`LocalText` (a field label),
resolved to the same language when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.catalogue.model import LocalText
from kiosk.i18n import CATALOGUE


@dataclass(frozen=True)
class Message:
    key: str | None = None
    params: tuple[tuple[str, object], ...] = ()
    text: LocalText | None = None

    def render(self, language: str) -> str:
        if self.text is not None:
            return self.text.get(language)
        if self.key is None:
            return ""
        params = {k: (v.get(language) if isinstance(v, LocalText) else v) for k, v in self.params}
        return CATALOGUE.translate(self.key, language, params)

    @property
    def param_dict(self) -> dict[str, object]:
        return dict(self.params)


def msg(key: str, **params: object) -> Message:
    return Message(key=key, params=tuple(sorted(params.items())))


def literal(text: LocalText) -> Message:
    return Message(text=text)
