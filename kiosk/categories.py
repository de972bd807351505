"""The twelve service categories of the catalogue (product brief), as data.

Names are translated under ``categories.<id>``; ``glyph`` is the character on the home tile.
The catalogue's items refer to these ids.
"""

from __future__ import annotations

from typing import NamedTuple


# A named tuple rather than a dataclass: the same frozen record, made in microseconds at import
# (a frozen dataclass is ~1.5 ms of start-up, and the first one imports dataclasses).
class Category(NamedTuple):
    id: str
    glyph: str

    @property
    def name_key(self) -> str:
        return f"categories.{self.id}"


CATEGORIES: tuple[Category, ...] = (
    Category("social_security", "社"),
    Category("medical_insurance", "医"),
    Category("housing_fund", "金"),
    Category("household_registration", "户"),
    Category("exit_entry", "境"),
    Category("traffic", "交"),
    Category("tax", "税"),
    Category("utilities", "水"),
    Category("civil_affairs", "民"),
    Category("archives", "档"),
    Category("real_estate", "房"),
    Category("enterprise", "企"),
)

CATEGORY_IDS = frozenset(c.id for c in CATEGORIES)


def category(category_id: str) -> Category | None:
    return next((c for c in CATEGORIES if c.id == category_id), None)
