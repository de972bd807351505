"""ID-number validation (GB 11643 / ISO 7064 MOD 11-2), provinces (GB/T 2260) and age."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.identity.idnumber import (
    NumberKind,
    Problem,
    age_on,
    check_character,
    checksum_ok,
    validate,
)
from kiosk.identity.regions import PROVINCES, province_of, same_province

TODAY = date(2026, 6, 1)


def _manual_check(first17: str) -> str:
    # Written out independently of the module: the brief's weights and table.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


@pytest.mark.parametrize("number", [
    "11010519491231002X",  # the standard's own example
    "130102198805160014", "310104199211030029", "310101195502280135",
])
def test_valid_numbers(number: str) -> None:
    info = validate(number, TODAY)
    assert info.valid, info.problems
    assert info.kind is NumberKind.RESIDENT
    assert info.province is not None and info.province.code == number[:2]


def test_check_character_x_and_lowercase() -> None:
    assert check_character("11010519491231002") == "X"
    assert validate("11010519491231002x", TODAY).valid


@pytest.mark.parametrize(("number", "problem"), [
    ("110105194912310021", Problem.CHECKSUM),
    ("110105194913310029", Problem.BIRTH_DATE),  # month 13
    ("99010519491231002X", Problem.REGION),
    ("12345", Problem.FORMAT),
    ("11010519491231002Y", Problem.FORMAT),
    ("１１０１０５１９４９１２３１００２Ｘ", Problem.FORMAT),  # full-width digits
])
def test_problems_are_reported(number: str, problem: Problem) -> None:
    info = validate(number, TODAY)
    assert not info.valid and problem in info.problems


def test_future_birth_date_and_legacy_15_digit() -> None:
    future = "3101042030010100" + "1"
    assert Problem.BIRTH_DATE in validate(future + check_character(future), TODAY).problems
    legacy = validate("310104550228013", TODAY)
    assert legacy.kind is NumberKind.RESIDENT_LEGACY and legacy.valid
    assert legacy.birth_date == date(1955, 2, 28)


def test_foreigner_and_permit_numbers() -> None:
    y = validate("931124199007120029", TODAY)
    assert y.kind is NumberKind.FOREIGNER and y.valid and y.province and y.province.code == "31"
    hk = validate("810000198503200053", TODAY)
    assert hk.kind is NumberKind.PERMIT and hk.valid and hk.province and hk.province.code == "81"
    tw = "83000019900101001"
    assert validate(tw + check_character(tw), TODAY).province.code == "71"  # type: ignore[union-attr]


def test_gender_from_the_17th_digit() -> None:
    assert validate("130102198805160014", TODAY).gender_code == "1"
    assert validate("310104199211030029", TODAY).gender_code == "2"


def test_repr_is_masked() -> None:
    text = repr(validate("130102198805160014", TODAY))
    assert "130102198805160014" not in text and "1301" in text


def test_all_34_provinces() -> None:
    assert len(PROVINCES) == 34
    assert province_of("130102198805160014").name_zh == "河北省"  # type: ignore[union-attr]
    assert province_of("310101").name_en == "Shanghai"  # type: ignore[union-attr]
    assert province_of("99") is None and province_of("") is None
    assert same_province("310104", "310101") and not same_province("130102", "310101")
    for p in PROVINCES.values():
        assert p.name_zh and p.name_en and p.region_code.endswith("0000")


@pytest.mark.parametrize(("birth", "today", "age"), [
    (date(1955, 2, 28), date(2026, 2, 27), 70),
    (date(1955, 2, 28), date(2026, 2, 28), 71),
    (date(2000, 2, 29), date(2026, 2, 28), 25),
    (date(2000, 2, 29), date(2026, 3, 1), 26),
])
def test_age(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(deadline=None)
@given(digits17)
def test_check_character_matches_the_brief_formula(first17: str) -> None:
    assert check_character(first17) == _manual_check(first17)
    assert checksum_ok(first17 + _manual_check(first17))


@settings(deadline=None)
@given(digits17, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_every_single_digit_error_is_detected(first17: str, pos: int, delta: int) -> None:
    number = first17 + check_character(first17)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    assert not checksum_ok(wrong)


@settings(deadline=None)
@given(st.text(max_size=30))
def test_validate_never_raises(text: str) -> None:
    info = validate(text, TODAY)
    assert info.valid or info.problems
