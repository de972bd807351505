"""Field validation: the field's own words, normalisation, never an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from journey_fakes import HEBEI_ID

from kiosk.catalogue.model import Choice, FieldMessages, FormField, LocalText
from kiosk.journeys.validation import check


def f(**kw: object) -> FormField:
    return FormField(id="x", label=LocalText(zh_CN="联系电话", en_US="phone number"),
                     **kw)  # type: ignore[arg-type]


def test_phone() -> None:
    assert check(f(type="phone"), "138-1234-5678").value == "13812345678"
    err = check(f(type="phone"), "1234").error
    assert err is not None and err.render("zh_CN") == "请输入11位手机号码"
    assert err.render("en_US") == "Enter your 11-digit mobile number"


def test_own_words_override() -> None:
    own = FieldMessages(format=LocalText(zh_CN="手机号不对哦", en_US="Bad phone"))
    assert check(f(type="phone", messages=own), "1").error.render("zh_CN") == "手机号不对哦"  # type: ignore[union-attr]


def test_required_and_optional() -> None:
    assert check(f(), "  ").error.render("zh_CN") == "请输入联系电话"  # type: ignore[union-attr]
    assert check(f(required=False), "").error is None


def test_id_number_date_number_choice_length_regex() -> None:
    assert check(f(type="id_number"), HEBEI_ID.lower()).error is None
    assert check(f(type="id_number"), HEBEI_ID[:-2]).error is not None
    assert check(f(type="date"), "2024年3月5日").value == "2024-03-05"
    assert check(f(type="date"), "20240305").value == "2024-03-05"
    assert check(f(type="date"), "2024-02-30").error is not None
    num = f(type="number", min_value=1, max_value=10)
    assert check(num, "0").error.render("zh_CN") == "联系电话不能小于1"  # type: ignore[union-attr]
    assert check(num, "11").error.render("zh_CN") == "联系电话不能大于10"  # type: ignore[union-attr]
    assert check(num, "abc").error is not None and check(num, "5").error is None
    ch = f(type="choice", choices=(Choice(value="a", label=LocalText(zh_CN="甲", en_US="A")),))
    assert check(ch, "b").error.render("zh_CN") == "请选择联系电话"  # type: ignore[union-attr]
    assert check(f(min_length=3), "ab").error.render("zh_CN") == "联系电话至少要填3个字"  # type: ignore[union-attr]
    assert check(f(max_length=3), "abcd").error is not None
    assert check(f(regex=r"\d+"), "12a").error is not None


@given(st.sampled_from(["text", "number", "phone", "date", "id_number", "address", "email"]),
       st.text(max_size=40))
def test_check_never_raises(kind: str, text: str) -> None:
    result = check(f(type=kind, min_length=1, max_length=30, regex=r".*"), text)
    assert isinstance(result.value, str)
