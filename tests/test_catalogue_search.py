"""Search: Chinese, full pinyin, pinyin initials; ranking; highlight spans."""

from __future__ import annotations

import json

import pytest

from kiosk.catalogue.generate import generate
from kiosk.catalogue.loader import Catalogue, load_catalogue_file, parse_catalogue
from kiosk.catalogue.search import (
    TIER_NAME_EXACT,
    TIER_NAME_PREFIX,
    TIER_NAME_SUBSTRING,
    SearchIndex,
    normalise_query,
)
from kiosk.config import PROJECT_ROOT

DEMO = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue_file(DEMO)


@pytest.fixture(scope="module")
def index(cat: Catalogue) -> SearchIndex:
    return SearchIndex(cat)


def names(cat: Catalogue, index: SearchIndex, q: str, n: int = 5) -> list[str]:
    out = []
    for h in index.search(q, n):
        out.append(cat.theme(h.target_id).name.zh_CN if h.is_theme else cat.item(h.target_id)
                   .name.zh_CN)
    return out


def test_initials_find_the_item(cat: Catalogue, index: SearchIndex) -> None:
    hit = index.search("sbjf")[0]
    assert cat.item(hit.target_id).name.zh_CN.startswith("社保缴费")
    assert hit.matched == "initials" and hit.span == (0, 4) and hit.tier == TIER_NAME_PREFIX


def test_initials_exact_beats_prefix(cat: Catalogue, index: SearchIndex) -> None:
    hit = index.search("jszbhl")[0]
    assert cat.item(hit.target_id).name.zh_CN == "驾驶证补换领" and hit.tier == TIER_NAME_EXACT


def test_full_pinyin_and_mixed_case(cat: Catalogue, index: SearchIndex) -> None:
    assert names(cat, index, "GongJiJin", 1)[0].startswith("公积金")
    hit = index.search("shebaokaguashi")[0]
    assert cat.item(hit.target_id).name.zh_CN == "社保卡挂失" and hit.tier == TIER_NAME_EXACT
    assert hit.span == (0, 5)


def test_pinyin_matches_only_at_syllable_starts(index: SearchIndex) -> None:
    # "hebao" is inside "shebao" but starts mid-syllable: not a match of 社保.
    assert all(h.matched != "pinyin" for h in index.search("ebao"))


def test_chinese_substring_and_prefix_ranking(cat: Catalogue, index: SearchIndex) -> None:
    hits = index.search("身份证", 20)
    tiers = [h.tier for h in hits]
    assert tiers == sorted(tiers, reverse=True)
    first = cat.item(hits[0].target_id).name.zh_CN
    assert first.startswith("身份证") and hits[0].tier == TIER_NAME_PREFIX
    later = [cat.item(h.target_id).name.zh_CN for h in hits if h.tier == TIER_NAME_SUBSTRING]
    assert "居民身份证换领" in later
    hl = next(h for h in hits if cat.item(h.target_id).name.zh_CN == "居民身份证换领")
    assert hl.span == (2, 5)
    # A keyword prefix ("身份证丢了") ranks above a name substring.
    bl = next(h for h in hits if cat.item(h.target_id).name.zh_CN == "居民身份证补领")
    assert bl.matched == "keyword" and bl.span is None and hits.index(bl) < hits.index(hl)


def test_keywords_and_english(cat: Catalogue, index: SearchIndex) -> None:
    assert "居民身份证补领" in names(cat, index, "身份证丢了")
    assert "居民身份证补领" in names(cat, index, "sfzdl")
    assert names(cat, index, "passport", 1) == ["普通护照申请"]
    hebei = index.search("河北", 50)
    assert len(hebei) >= 14 and all(cat.item(h.target_id).region.code == "130000" for h in hebei)


def test_themes_are_found(index: SearchIndex) -> None:
    hit = index.search("xsecs")[0]
    assert hit.is_theme and hit.target_id == "theme.newborn"


def test_category_boost_orders_equal_matches() -> None:
    d = json.loads(DEMO.read_text("utf-8"))
    d["items"] = [
        {**d["items"][0], "id": "a", "name": {"zh_CN": "证明打印", "en_US": "A"},
         "category": "archives", "keywords": []},
        {**d["items"][0], "id": "b", "name": {"zh_CN": "证明打印", "en_US": "B"},
         "category": "social_security", "keywords": []},
    ]
    d["themes"] = []
    ix = SearchIndex(parse_catalogue(json.dumps(d).encode()))
    assert [h.target_id for h in ix.search("zmdy")] == ["b", "a"]  # social_security boost 2.0
    assert [h.target_id for h in ix.search("zmdy", boosts={"a": 5.0})] == ["a", "b"]


def test_typing_narrows_and_backspace_widens(index: SearchIndex) -> None:
    counts = [len(index.search(q, 1000)) for q in ["s", "sb", "sbk", "sb", "s"]]
    assert counts[0] >= counts[1] >= counts[2]
    assert counts[3] == counts[1] and counts[4] == counts[0]


def test_nothing_and_noise(index: SearchIndex) -> None:
    assert index.search("") == [] and index.search("   ") == []
    assert index.search("qqqqqqxz") == []
    assert index.search("\n\x01") == []
    assert normalise_query("ＳＢ ＪＦ") == "sbjf"
    assert index.search("x" * 500) == []


def test_same_results_with_and_without_the_incremental_path(cat: Catalogue) -> None:
    a, b = SearchIndex(cat), SearchIndex(cat)
    for q in ["s", "sh", "she", "sheb", "shebao", "g", "gj", "gjj"]:
        a.search(q)
    assert [h.target_id for h in a.search("gjj", 100)] == [h.target_id for h in
                                                            b.search("gjj", 100)]


def test_generated_scale_builds_and_finds() -> None:
    cat = parse_catalogue(json.dumps(generate(3000), ensure_ascii=False).encode())
    ix = SearchIndex(cat)
    assert len(ix) == 3000
    hit = ix.search("cdsbjf")[0]
    assert cat.item(hit.target_id).name.zh_CN.startswith("成都社保缴费")
