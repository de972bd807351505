"""Who the citizen is, as the journey engine needs it (filled by the ID-card, social-security-card
or bank-card flows; the lead adapts the device helpers' results to this)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.catalogue.model import IdentMethod, PrefillSource
from kiosk.privacy import mask_id_number, mask_name

if TYPE_CHECKING:
    from kiosk.devices.idcard.identity import IdentityCard


@dataclass(frozen=True)
class Identity:
    method: IdentMethod
    id_number: str
    name: str
    sex: str | None = None  # "M" / "F"
    birth_date: dt.date | None = None
    address: str | None = None
    ethnicity: str | None = None
    social_security_number: str | None = None

    def value_for(self, source: PrefillSource) -> str | None:
        """The answer the document already gave for a prefill source, or None."""
        if source == "birth_date":
            return self.birth_date.isoformat() if self.birth_date else None
        value = getattr(self, source)
        return value if isinstance(value, str) and value else None

    def __repr__(self) -> str:  # never print personal data, even in a traceback
        return (f"Identity(method={self.method!r}, id_number={mask_id_number(self.id_number)!r}, "
                f"name={mask_name(self.name)!r})")

    __str__ = __repr__


def identity_from_id_card(card: IdentityCard) -> Identity:
    """The engine's view of a resident ID card read by :mod:`kiosk.devices.idcard`."""
    return Identity(method="id_card", id_number=card.id_number, name=card.display_name,
                    sex=card.sex, birth_date=card.birth_date,
                    address=card.address or None,
                    ethnicity=card.nation_name("zh_CN"))
