"""Recommendations after identification (千人千面): what fits this citizen, first.

Pure: everything it needs is passed in. Three reasons, and an item can have several:
- ``home_province``: a 跨省通办 item of the province on the citizen's ID number, when that is not
  the kiosk's province (a Hebei resident in Shanghai sees Hebei's items first);
- ``pension``: items tagged ``pension`` when the citizen has reached statutory retirement age;
- ``history``: items this person used before at this kiosk — only passed in when they consented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.catalogue.loader import Catalogue
from kiosk.catalogue.regions import id_number_facts
from kiosk.config import JourneysConfig

PENSION_TAG = "pension"
_WEIGHTS = {"home_province": 3.0, "pension": 2.0, "history": 1.0}


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    reasons: tuple[str, ...]
    score: float


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    # Born on the 31st: the birthday month may be shorter.
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")


def retirement_date(birth: dt.date, sex: str, cfg: JourneysConfig) -> dt.date:
    """Statutory retirement date under the gradual reform (configurable; see JourneysConfig).

    For every ``step`` months of birth after ``reform_from`` the age rises one month, capped.
    """
    if sex == "M":
        base, start, step, cap = (cfg.retirement_male_base_years, cfg.retirement_male_reform_from,
                                  cfg.retirement_male_step_months,
                                  cfg.retirement_male_max_delay_months)
    else:
        base, start, step, cap = (cfg.retirement_female_base_years,
                                  cfg.retirement_female_reform_from,
                                  cfg.retirement_female_step_months,
                                  cfg.retirement_female_max_delay_months)
    start_y, start_m = (int(x) for x in start.split("-"))
    months_after = (birth.year - start_y) * 12 + (birth.month - start_m)
    delay = 0 if months_after < 0 else min(cap, months_after // step + 1)
    return _add_months(birth, base * 12 + delay)


def is_retirement_age(birth: dt.date, sex: str, today: dt.date, cfg: JourneysConfig) -> bool:
    return today >= retirement_date(birth, sex, cfg)


def recommend(catalogue: Catalogue, id_number: str, kiosk_region_code: str, today: dt.date,
              cfg: JourneysConfig, previous_items: Sequence[str] | None = None) -> list[Recommendation]:
    """Items that fit this citizen, best first; ``previous_items`` only if they consented."""
    facts = id_number_facts(id_number)
    scores: dict[str, list[str]] = {}
    if facts is not None:
        away = facts.province != kiosk_region_code[:2]
        retired = is_retirement_age(facts.birth_date, facts.sex, today, cfg)
        for item in catalogue.items:
            reasons = []
            if away and item.cross_province and item.region.province == facts.province:
                reasons.append("home_province")
            if retired and PENSION_TAG in item.tags and (
                    item.region.province in (None, facts.province, kiosk_region_code[:2])):
                reasons.append("pension")
            if reasons:
                scores[item.id] = reasons
    for item_id in previous_items or ():
        if item_id in catalogue.items_by_id:
            scores.setdefault(item_id, [])
            if "history" not in scores[item_id]:
                scores[item_id].append("history")
    order = {item.id: i for i, item in enumerate(catalogue.items)}
    recs = [Recommendation(i, tuple(r), sum(_WEIGHTS[x] for x in r)) for i, r in scores.items()]
    recs.sort(key=lambda r: (-r.score, order[r.item_id]))
    return recs[: cfg.max_recommendations]
