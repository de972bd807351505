"""Catalogue model, loader errors, the demo catalogue, the cache and refresh."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.catalogue import demo_build
from kiosk.catalogue.generate import generate
from kiosk.catalogue.loader import (
    CatalogueError,
    SignatureVerifier,
    load_catalogue_file,
    parse_catalogue,
)
from kiosk.catalogue.model import STANDARD_CATEGORIES
from kiosk.catalogue.store import (
    CatalogueCache,
    CatalogueStore,
    RefreshStatus,
    SignedDocument,
)
from kiosk.config import PROJECT_ROOT

DEMO = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"


def doc() -> dict[str, Any]:
    return copy.deepcopy(_DOC)


_DOC = json.loads(DEMO.read_text("utf-8"))


def body(d: dict[str, Any]) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode()


def item_index(d: dict[str, Any], item_id: str) -> int:
    return next(i for i, it in enumerate(d["items"]) if it["id"] == item_id)


# ---- the demo catalogue ------------------------------------------------------------------

def test_bundled_file_is_what_the_builder_makes() -> None:
    assert json.loads(DEMO.read_text("utf-8")) == json.loads(json.dumps(demo_build.build()))


def test_demo_catalogue_covers_the_brief() -> None:
    cat = load_catalogue_file(DEMO)
    assert len(cat.items) >= 150
    assert {c.id for c in cat.categories} == set(STANDARD_CATEGORIES)
    assert {i.category for i in cat.items} == set(STANDARD_CATEGORIES)
    assert {i.kind for i in cat.items} == {"query", "apply", "print", "appointment"}
    names = {i.name.zh_CN for i in cat.items}
    for name in ["社保缴费证明打印", "个人参保证明查询", "社会保险关系转移申请", "养老待遇领取资格认证",
                 "社保卡挂失", "社保卡激活", "居民身份证补领", "医保关系转移接续", "异地就医备案",
                 "住房公积金缴存证明", "公积金提取", "户口迁移", "出入境证件办理进度查询",
                 "驾驶证补换领", "个人所得税纳税记录开具", "水电燃气缴费", "婚姻登记预约",
                 "无犯罪记录证明", "不动产登记信息查询", "企业开办", "办件查询"]:
        assert name in names, name
    cross = {i.region.province for i in cat.items if i.cross_province}
    assert {"13", "23", "51", "37", "46", "14"} <= cross  # type: ignore[operator]
    assert {t.name.zh_CN for t in cat.themes} >= {"新生儿出生一件事", "我要开劳务公司"}


# ---- validation errors name the item and the field ----------------------------------------

def errors_of(d: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(body(d))
    return info.value.problems


def test_bad_regex_names_item_and_field() -> None:
    d = doc()
    i = item_index(d, "sh.jg.wfcl")
    d["items"][i]["form"][1]["regex"] = "([unclosed"
    (problem,) = errors_of(d)
    assert problem.startswith("item sh.jg.wfcl: form[1].regex:")
    assert "does not compile" in problem


def test_several_problems_are_all_reported() -> None:
    d = doc()
    d["items"][0]["kind"] = "teleport"
    del d["items"][1]["name"]["en_US"]
    d["items"][2]["region"] = {"level": "province", "code": "310100"}
    d["items"][3]["unexpected"] = 1
    problems = errors_of(d)
    ids = [d["items"][n]["id"] for n in range(4)]
    assert any(p.startswith(f"item {ids[0]}: kind:") for p in problems)
    assert any(p.startswith(f"item {ids[1]}: name.en_US:") for p in problems)
    assert any(p.startswith(f"item {ids[2]}: region:") and "0000" in p for p in problems)
    assert any(p.startswith(f"item {ids[3]}: unexpected:") for p in problems)


def test_strict_types() -> None:
    d = doc()
    d["items"][0]["cross_province"] = "yes"
    (problem,) = errors_of(d)
    assert "cross_province" in problem


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["items"][1].__setitem__("id", d["items"][0]["id"]), "id repeats"),
    (lambda d: d["items"][0].__setitem__("category", "space"), "unknown category 'space'"),
    (lambda d: d["themes"][0]["items"].append("no.such"), "unknown item 'no.such'"),
    (lambda d: d["themes"][0]["shared_fields"].append("zzz"), "'zzz' is not a field"),
    (lambda d: d["themes"][0]["items"].append("sh.sb.jfzm"), "is a print item"),
])
def test_cross_reference_errors(mutate: Any, expected: str) -> None:
    d = doc()
    mutate(d)
    assert any(expected in p for p in errors_of(d))


def test_kind_rules() -> None:
    d = doc()
    i = item_index(d, "sh.sb.jfzm")
    d["items"][i]["print"].pop("certificate_template")
    (problem,) = errors_of(d)
    assert problem.startswith("item sh.sb.jfzm:") and "certificate_template" in problem
    d = doc()
    i = item_index(d, "sh.sb.zy")
    d["items"][i]["form"][1]["choices"] = []
    (problem,) = errors_of(d)
    assert "item sh.sb.zy: form[1]" in problem and "choices" in problem


def test_theme_fields_must_agree() -> None:
    d = doc()
    i = item_index(d, "sh.wj.yfjz")
    field = next(f for f in d["items"][i]["form"] if f["id"] == "baby_birth_date")
    field["type"] = "text"
    problems = errors_of(d)
    assert any("theme theme.newborn: field 'baby_birth_date' is defined differently" in p
               for p in problems)


@pytest.mark.parametrize("raw", [b"", b"[]", b"{", b"\xff\xfe", b'{"schema_version": 2}'])
def test_garbage_is_a_catalogue_error(raw: bytes) -> None:
    with pytest.raises(CatalogueError):
        parse_catalogue(raw)


_SMALL = {**doc(), "items": doc()["items"][:5], "themes": []}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_documents_fail_only_with_catalogue_error(data: st.DataObject) -> None:
    d = copy.deepcopy(_SMALL)
    # Replace one random node of the document with a random JSON value.
    node: Any = d
    path: list[Any] = []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict)
                                        else list(range(len(node)))))
        path.append(key)
        node = node[key]
    value = data.draw(st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=5))
    if path:
        parent = d
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    else:
        d = value
    try:
        parse_catalogue(json.dumps(d).encode())
    except CatalogueError as e:
        assert e.problems and all(isinstance(p, str) for p in e.problems)


@given(st.binary(max_size=300))
def test_fuzzed_bytes(raw: bytes) -> None:
    try:
        parse_catalogue(raw)
    except CatalogueError:
        pass


def test_generated_catalogue_is_valid_and_large() -> None:
    cat = parse_catalogue(body(generate(500)))
    assert len(cat.items) == 500 and len({i.id for i in cat.items}) == 500


# ---- cache and refresh -------------------------------------------------------------------

class FakeSource:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.etags: list[str | None] = []

    def fetch(self, etag: str | None) -> tuple[SignedDocument | None, str | None]:
        self.etags.append(etag)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def newer(version: str = "2026.12.01") -> bytes:
    d = doc()
    d["version"] = version
    return body(d)


def make_store(tmp_path: Path, key: str = "") -> CatalogueStore:
    return CatalogueStore(CatalogueCache(tmp_path / "cache" / "catalogue.json"), DEMO,
                          SignatureVerifier(key))


def test_first_boot_uses_bundled_then_refresh_caches(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    assert store.load().version == demo_build.VERSION and store.origin == "bundled"
    src = FakeSource([(SignedDocument(newer()), '"v2"'), (None, '"v2"')])
    result = store.refresh(src)
    assert result.status is RefreshStatus.UPDATED and store.current.version == "2026.12.01"
    assert store.refresh(src).status is RefreshStatus.NOT_MODIFIED
    assert src.etags == [None, '"v2"']
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["catalogue.json"]  # no temp left
    # Next start: the cached copy, with its ETag.
    again = make_store(tmp_path)
    assert again.load().version == "2026.12.01" and again.origin == "cache"
    src2 = FakeSource([(None, '"v2"')])
    again.refresh(src2)
    assert src2.etags == ['"v2"']


def test_bad_documents_keep_the_current_catalogue(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.load()
    src = FakeSource([OSError("refused"), TimeoutError(), (SignedDocument(b"{nonsense"), "x")])
    assert store.refresh(src).status is RefreshStatus.UNREACHABLE
    assert store.refresh(src).status is RefreshStatus.UNREACHABLE
    r = store.refresh(src)
    assert r.status is RefreshStatus.REJECTED and "JSON" in r.detail
    assert store.current.version == demo_build.VERSION
    assert not (tmp_path / "cache" / "catalogue.json").exists()


def test_corrupt_cache_falls_back_to_bundled(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "catalogue.json"
    path.parent.mkdir()
    for content in [b"garbage", b'{"body": 5}', json.dumps({"body": "{}"}).encode()]:
        path.write_bytes(content)
        store = make_store(tmp_path)
        assert store.load().version == demo_build.VERSION and store.origin == "bundled"


def test_signatures(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.generate()
    pub = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    store = make_store(tmp_path, pub)
    store.load()
    good = newer()
    tampered = good.replace(b"2026.12.01", b"2026.12.02")
    src = FakeSource([(SignedDocument(tampered, key.sign(good)), "a"),
                      (SignedDocument(good, None), "b"),
                      (SignedDocument(good, key.sign(good)), "c")])
    assert store.refresh(src).status is RefreshStatus.REJECTED
    assert store.refresh(src).status is RefreshStatus.REJECTED
    assert store.refresh(src).status is RefreshStatus.UPDATED
    # The signature is kept with the cache and checked again at start-up.
    assert make_store(tmp_path, pub).load().version == "2026.12.01"
    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode()
    assert make_store(tmp_path, other).load().version == demo_build.VERSION
    with pytest.raises(CatalogueError):
        SignatureVerifier("not base64!")


def test_cache_write_failure_still_uses_the_new_catalogue(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    store = make_store(tmp_path)
    store.load()
    seen: list[str] = []
    store.on_change(lambda c: seen.append(c.version))
    r = store.refresh(FakeSource([(SignedDocument(newer()), "e")]))
    assert r.status is RefreshStatus.CACHE_WRITE_FAILED and store.current.version == "2026.12.01"
    assert seen == ["2026.12.01"]


def test_diag_cli(tmp_path: Path, tmp_data_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.diag.cli import main

    assert main(["catalogue", "validate", str(DEMO)]) == 0
    bad = tmp_path / "bad.json"
    d = doc()
    d["items"][0]["region"] = {"level": "national", "code": "310000"}
    bad.write_text(json.dumps(d))
    capsys.readouterr()
    assert main(["catalogue", "validate", str(bad)]) == 1
    assert f"item {d['items'][0]['id']}: region" in capsys.readouterr().out
    assert main(["catalogue", "search", "gjjtq", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "公积金提取"
    assert main(["catalogue", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["origin"] == "bundled"
