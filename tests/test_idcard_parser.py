"""The text block parser for every card type, built from the brief's offsets by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.base import Outcome
from kiosk.devices.idcard import errors as E
from kiosk.devices.idcard.identity import CardType
from kiosk.devices.idcard.parser import CardParseError, UnknownCardTypeError, parse_text
from kiosk.devices.idcard.simulator import load_people
from kiosk.devices.idcard.tables import GENDERS, NATIONS
from kiosk.identity.idnumber import validate


def block(fields: dict[int, str], flag: str = " ") -> bytes:
    """A 256-byte block with ``text`` at each byte offset — independent of the parser's layouts."""
    raw = bytearray(" ".encode("utf-16-le") * 128)
    for offset, text in fields.items():
        data = text.encode("utf-16-le")
        raw[offset:offset + len(data)] = data
    raw[248:250] = flag.encode("utf-16-le")
    return bytes(raw)


def test_resident_card() -> None:
    card = parse_text(block({0: "张测试", 30: "1", 32: "01", 36: "19880516", 52: "河北省石家庄市长安区测试路1号",
                             122: "130102198805160014", 158: "石家庄市公安局长安分局", 188: "20160301",
                             204: "20360301"}))
    assert card.card_type is CardType.RESIDENT
    assert (card.name, card.gender_name(), card.nation_name()) == ("张测试", "男", "汉")
    assert card.birth_date == date(1988, 5, 16) and card.valid_until == date(2036, 3, 1)
    assert card.address == "河北省石家庄市长安区测试路1号" and card.issuer == "石家庄市公安局长安分局"
    assert card.province is not None and card.province.name_zh == "河北省"
    assert card.age(date(2026, 5, 16)) == 38 and not card.problems


def test_long_term_and_nul_flag() -> None:
    card = parse_text(block({0: "王演示", 30: "1", 32: "11", 36: "19550228", 122: "310101195502280135",
                             188: "20150601", 204: "长期"}, flag="\0"))
    assert card.long_term and card.valid_until is None and not card.expired(date(2090, 1, 1))
    assert card.nation_name() == "满" and card.card_type is CardType.RESIDENT


def test_foreigner_2017_card() -> None:
    card = parse_text(block({0: "SAMPLE, TEST ALPHA", 120: "1", 122: "CAN310080120017", 152: "CAN",
                             158: "测试阿尔法", 188: "20170601", 204: "20270601", 220: "19801201",
                             236: "17", 240: "1500"}, flag="I"))
    assert card.card_type is CardType.FOREIGNER_2017
    assert (card.name_en, card.name, card.nationality) == ("SAMPLE, TEST ALPHA", "测试阿尔法", "CAN")
    assert card.id_number == "CAN310080120017" and card.birth_date == date(1980, 12, 1)
    assert (card.card_version, card.issuing_office) == ("17", "1500") and card.id_check is None


def test_foreigner_2023_card_joins_the_english_name() -> None:
    part1 = "EXAMPLE, SAMPLE BETA-GAMMA LONGNAME"  # 35 characters fill the first field
    card = parse_text(block({0: "样例贝塔", 30: "2", 32: "00", 36: "19900712", 52: part1,
                             122: "931124199007120029", 188: "20231201", 204: "20331201",
                             220: " TESTPERSON", 242: "CAN"}, flag="Y"))
    assert card.card_type is CardType.FOREIGNER_2023
    assert card.name_en == part1 + " TESTPERSON"
    assert (card.renewals, card.nationality, card.gender_name("en_US")) == ("00", "CAN", "Female")
    assert card.id_check is not None and card.id_check.valid


def test_residence_permit_card() -> None:
    card = parse_text(block({0: "陈测试", 30: "1", 36: "19850320", 52: "上海市浦东新区示范路9号",
                             122: "810000198503200053", 188: "20200101", 204: "20300101",
                             220: "H12345678", 238: "01"}, flag="J"))
    assert card.card_type is CardType.RESIDENCE_PERMIT
    assert (card.permit_number, card.issue_count, card.nation_code) == ("H12345678", "01", None)
    assert card.province is not None and card.province.code == "81"


def test_problems_unknown_flag_and_empty_card() -> None:
    card = parse_text(block({0: "某测试", 30: "5", 32: "77", 36: "19991340", 122: "130102198805160014",
                             188: "2016", 204: "20360301"}))
    assert set(card.problems) == {"gender", "nation", "birth", "valid_from"}
    with pytest.raises(UnknownCardTypeError):
        parse_text(block({0: "某测试", 122: "1"}, flag="Q"))
    with pytest.raises(CardParseError):
        parse_text(block({}))
    with pytest.raises(CardParseError):
        parse_text(b"\x00" * 100)
    with pytest.raises(CardParseError):
        parse_text(b"\x00\xd8" * 128)  # lone surrogates: not UTF-16 text


def test_masked_repr_never_shows_the_name_or_number() -> None:
    card = parse_text(block({0: "张测试", 30: "1", 32: "01", 36: "19880516", 122: "130102198805160014",
                             188: "20160301", 204: "20360301"}))
    for text in (repr(card), str(card), f"{card}", str(card.masked())):
        assert "张测试" not in text and "130102198805160014" not in text
    assert card.as_dict(reveal=True)["id_number"] == "130102198805160014"
    assert card.as_dict()["id_number"] != "130102198805160014"


def test_tables_are_complete() -> None:
    assert [f"{i:02d}" for i in range(1, 57)] + ["97", "98"] == list(NATIONS)
    assert NATIONS["56"][0] == "基诺" and NATIONS["98"][0] == "外国血统中国籍人士"
    assert set(GENDERS) == {"0", "1", "2", "9"}


def test_every_brief_status_code_is_mapped() -> None:
    brief = [0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x37, 0x3F, 0x40, 0x41, 0x47,
             0x60, 0x66, 0x80, 0x81]
    for sw3 in brief:
        code = E.for_sw3(sw3)
        assert code is not E.UNKNOWN_SW3 and code.code == f"IDR-0{sw3:02X}"
        assert code.error.meaning_zh and code.error.meaning_en and code.outcome is not Outcome.SUCCESS
    assert E.for_sw3(0x55) is E.UNKNOWN_SW3


def test_all_test_people_parse_and_validate() -> None:
    people = load_people()
    kinds = {p.card_type for p in people.values()}
    assert kinds == set(CardType)
    for person in people.values():
        card = parse_text(person.text_block())
        assert card.card_type is person.card_type and not card.problems, person.id
        if card.card_type is not CardType.FOREIGNER_2017:
            assert validate(card.id_number).valid, person.id
    regions = {p.fields["id_number"][:2] for p in people.values()}
    assert {"13", "31"} <= regions
    assert any(p.fields["birth"].startswith("195") for p in people.values())


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_random_blocks_raise_only_card_parse_errors(data: bytes) -> None:
    try:
        parse_text(data)
    except CardParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=15), st.sampled_from([" ", "I", "Y", "J"]), st.text(max_size=18))
def test_random_text_fields_never_crash(name: str, flag: str, number: str) -> None:
    try:
        raw = block({0: name, 122: number}, flag)
    except (ValueError, UnicodeEncodeError):
        return
    if len(raw) != 256:
        return
    try:
        card = parse_text(raw)
    except CardParseError:
        return
    assert repr(card)
