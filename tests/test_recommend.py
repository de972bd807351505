"""Recommendations: home province first for cross-province citizens, pension for retirees, history with consent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from journey_fakes import HEBEI_ID, HEBEI_RETIREE_ID, SHANGHAI_ID

from kiosk.catalogue.history import UsageHistory
from kiosk.catalogue.loader import Catalogue, load_catalogue_file
from kiosk.catalogue.recommend import is_retirement_age, recommend, retirement_date
from kiosk.catalogue.regions import id_number_facts, make_id_number, province_name
from kiosk.config import PROJECT_ROOT, JourneysConfig

TODAY = dt.date(2026, 11, 20)
CFG = JourneysConfig()


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")


def test_hebei_citizen_in_shanghai_sees_hebei_cross_province_items_first(cat: Catalogue) -> None:
    recs = recommend(cat, HEBEI_ID, "310000", TODAY, CFG)
    assert recs and len(recs) == CFG.max_recommendations
    assert all(r.reasons == ("home_province",) for r in recs)
    assert all(cat.item(r.item_id).region.code == "130000" for r in recs)
    assert recs[0].item_id == "he.sb.zy"  # catalogue order among equals


def test_citizen_at_home_gets_no_cross_province_items(cat: Catalogue) -> None:
    assert recommend(cat, SHANGHAI_ID, "310000", TODAY, CFG) == []
    # The same Hebei citizen at a Hebei kiosk: nothing cross-province either.
    assert recommend(cat, HEBEI_ID, "130100", TODAY, CFG) == []


def test_retiree_gets_pension_items_first(cat: Catalogue) -> None:
    recs = recommend(cat, HEBEI_RETIREE_ID, "310000", TODAY, CFG)
    top = recs[0]
    assert set(top.reasons) == {"home_province", "pension"}
    assert top.item_id == "he.sb.zgrz"
    sh_retiree = make_id_number("310104", dt.date(1950, 1, 2), 22, male=True)
    recs = recommend(cat, sh_retiree, "310000", TODAY, CFG)
    assert recs[0].reasons == ("pension",) and "pension" in cat.item(recs[0].item_id).tags
    assert not any(cat.item(r.item_id).region.code == "130000" for r in recs)


def test_history_only_with_consent(cat: Catalogue, tmp_path: Path) -> None:
    history = UsageHistory(tmp_path / "history.json")
    history.record(SHANGHAI_ID, "sh.gjj.cx", consented=False)
    assert history.previous_items(SHANGHAI_ID, consented=True) == []
    history.record(SHANGHAI_ID, "sh.gjj.cx", consented=True)
    history.record(SHANGHAI_ID, "sh.sw.gsjl", consented=True)
    assert history.previous_items(SHANGHAI_ID, consented=False) is None
    previous = history.previous_items(SHANGHAI_ID, consented=True)
    assert previous == ["sh.sw.gsjl", "sh.gjj.cx"]
    recs = recommend(cat, SHANGHAI_ID, "310000", TODAY, CFG, previous)
    assert [r.item_id for r in recs] == ["sh.gjj.cx", "sh.sw.gsjl"]  # catalogue order
    assert recommend(cat, SHANGHAI_ID, "310000", TODAY, CFG,
                     history.previous_items(SHANGHAI_ID, consented=False)) == []
    # No ID numbers on disk; forgetting removes the entry.
    assert SHANGHAI_ID not in (tmp_path / "history.json").read_text()
    history.forget(SHANGHAI_ID)
    assert history.previous_items(SHANGHAI_ID, consented=True) == []


@pytest.mark.parametrize("birth, sex, expected", [
    (dt.date(1964, 12, 15), "M", dt.date(2024, 12, 15)),   # before the reform: 60
    (dt.date(1965, 1, 10), "M", dt.date(2025, 2, 10)),     # first month: +1 month
    (dt.date(1965, 5, 10), "M", dt.date(2025, 7, 10)),     # +2 months
    (dt.date(1980, 6, 1), "M", dt.date(2043, 6, 1)),       # capped: 63
    (dt.date(1974, 12, 1), "F", dt.date(2024, 12, 1)),     # 50 before the reform
    (dt.date(1975, 1, 31), "F", dt.date(2025, 2, 28)),     # +1 month, short month
    (dt.date(1990, 1, 1), "F", dt.date(2045, 1, 1)),       # capped: 55
])
def test_retirement_dates(birth: dt.date, sex: str, expected: dt.date) -> None:
    assert retirement_date(birth, sex, CFG) == expected


def test_retirement_ages_are_configurable() -> None:
    cfg = JourneysConfig(retirement_female_base_years=55, retirement_female_max_delay_months=0)
    assert not is_retirement_age(dt.date(1970, 1, 1), "F", dt.date(2024, 12, 31), cfg)
    assert is_retirement_age(dt.date(1970, 1, 1), "F", dt.date(2025, 1, 1), cfg)


def test_id_number_helper() -> None:
    facts = id_number_facts(HEBEI_ID)
    assert facts is not None and facts.province == "13" and facts.sex == "M"
    assert province_name("130102") == "河北省" and province_name("13", "en_US") == "Hebei"
    assert id_number_facts(HEBEI_ID[:-1] + ("0" if HEBEI_ID[-1] != "0" else "1")) is None
    assert id_number_facts("99" + HEBEI_ID[2:]) is None


@given(st.text(max_size=20))
def test_id_number_helper_never_raises(text: str) -> None:
    id_number_facts(text)


def test_bad_id_number_gives_no_recommendations(cat: Catalogue) -> None:
    assert recommend(cat, "not an id", "310000", TODAY, CFG) == []
