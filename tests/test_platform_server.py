"""The reference platform's guarantees, through the kiosk's real client over real HTTP."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient, PlatformConfigError, _retry_after
from kiosk.platform.errors import FailureKind
from platform_server.app import face_rule
from platform_server.demo_data import demo_id_numbers
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import application, make_client, make_queue, platform_keys

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformHandle]:
    cat = tmp_path_factory.mktemp("cat") / "catalogue.json"
    cat.write_text(json.dumps({"version": "2026.11-demo", "items": [{"id": "a"}]}))
    h = start_local_platform(tmp_path_factory.mktemp("platform"), catalogue_path=cat)
    yield h
    h.stop()


def signed_headers(key: crypto.Ed25519PrivateKey, method: str, path: str, body: bytes,
                   ts: int | None = None, nonce: str | None = None) -> dict[str, str]:
    ts_s = str(int(time.time()) if ts is None else ts)
    nonce = nonce or uuid.uuid4().hex
    sig = crypto.sign(key, crypto.request_string_to_sign(method, path, ts_s, nonce, body))
    return {"X-Terminal-Id": "T-RAW", "X-Timestamp": ts_s, "X-Nonce": nonce, "X-Signature": sig}


def test_replay_and_clock_window_are_refused(platform: PlatformHandle) -> None:
    key = crypto.new_signing_key()
    platform.register_terminal("T-RAW", crypto.b64e(crypto.public_bytes(key)))
    url = platform.base_url + "/v1/appointments/halls"
    h = signed_headers(key, "GET", "/v1/appointments/halls", b"")
    assert requests.get(url, headers=h, timeout=5).status_code == 200
    again = requests.get(url, headers=h, timeout=5)
    assert again.status_code == 401 and again.json()["error"]["code"] == "AUTH_REPLAY"
    old = signed_headers(key, "GET", "/v1/appointments/halls", b"", ts=int(time.time()) - 3600)
    assert requests.get(url, headers=old, timeout=5).json()["error"]["code"] == "AUTH_CLOCK_SKEW"
    other = signed_headers(crypto.new_signing_key(), "GET", "/v1/appointments/halls", b"")
    assert requests.get(url, headers=other, timeout=5).json()["error"]["code"] == \
        "AUTH_BAD_SIGNATURE"
    # The signature covers the query: changing it after signing is refused.
    h = signed_headers(key, "GET", "/v1/appointments/halls?region_code=31", b"")
    r = requests.get(url + "?region_code=44", headers=h, timeout=5)
    assert r.json()["error"]["code"] == "AUTH_BAD_SIGNATURE"


def test_idempotent_submission(tmp_path: Path, platform: PlatformHandle,
                               client: PlatformClient) -> None:
    with make_queue(tmp_path, platform) as q:
        r = q.enqueue(application(7))
        claim = q.claim_next()
        assert claim is not None
        manifest = claim.manifest
    first = client.submit_application(str(r.application_id), manifest)
    replay = client.submit_application(str(r.application_id), manifest)
    assert first.ok and replay.ok
    assert first.unwrap().case_number == replay.unwrap().case_number
    doc = json.loads(manifest)
    doc["catalogue_version"] = "changed"
    conflict = client.submit_application(str(r.application_id), crypto.canonical_json(doc))
    assert conflict.error is not None and conflict.error.status == 409
    assert conflict.error.code == "IDEMPOTENCY_CONFLICT" and not conflict.error.transient
    # The platform opened the envelope with its private key: the case is findable by ID number.
    cases = client.cases_by_id_number(application().applicant["id_number"]).unwrap()
    assert first.unwrap().case_number in {c["case_number"] for c in cases}


def test_tampered_catalogue_is_refused(platform: PlatformHandle, client: PlatformClient) -> None:
    fetch = client.get_catalogue().unwrap()
    assert fetch.version == "2026.11-demo" and fetch.etag
    assert client.get_catalogue(fetch.etag).unwrap().not_modified
    assert fetch.document_bytes is not None and fetch.signature is not None
    tampered = fetch.document_bytes.replace(b"2026.11-demo", b"2026.11-evil")
    bad = client.verify_catalogue(tampered, fetch.signature, None)
    assert bad.error is not None and bad.error.kind is FailureKind.SIGNATURE


def test_demo_data_journeys(client: PlatformClient) -> None:
    ids = demo_id_numbers()
    cert = client.certificate("shebao_jiaofei", ids[0]).unwrap()
    assert len(cert["rows"]) == 36 and cert["holder_name"] == "张伟"
    assert all(r["status"] == "已缴" for r in cert["rows"])
    assert client.licences(ids[0]).unwrap()
    assert client.case_by_number("NOPE").error.code == "CASE_NOT_FOUND"  # type: ignore[union-attr]
    halls = client.halls("31").unwrap()
    assert halls and all(h["region_code"].startswith("31") for h in halls)
    slot = client.slots(halls[0]["hall_id"]).unwrap()[0]
    key = str(uuid.uuid4())
    booked = client.book(slot["slot_id"], ids[0], "x", key).unwrap()
    assert booked["slot"]["remaining"] == slot["remaining"] - 1
    assert client.book(slot["slot_id"], ids[0], "x", key).unwrap() == booked
    for _ in range(slot["remaining"] - 1):
        client.book(slot["slot_id"], ids[1], "x", str(uuid.uuid4())).unwrap()
    full = client.book(slot["slot_id"], ids[2], "x", str(uuid.uuid4()))
    assert full.error is not None and full.error.code == "SLOT_FULL"


def test_face_rule_is_documented_behaviour(client: PlatformClient) -> None:
    person = demo_id_numbers()[0]
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
    ok = client.verify_face(person, jpeg).unwrap()
    assert ok["match"] and ok["score"] >= ok["threshold"]
    nomatch = b"\xff\xd8\xff\xfe\x00\x09NOMATCH" + bytes(2000) + b"\xff\xd9"
    assert not client.verify_face(person, nomatch).unwrap()["match"]
    assert not client.verify_face("110101200001010000", jpeg).unwrap()["match"]
    notjpeg = client.verify_face(person, b"GIF89a" + bytes(2000))
    assert notjpeg.error is not None and notjpeg.error.code == "IMAGE_NOT_JPEG"


@given(known=st.booleans(), image=st.binary(max_size=3000), id_number=st.text(max_size=20))
@settings(max_examples=200)
def test_face_rule_never_raises(known: bool, image: bytes, id_number: str) -> None:
    match, score = face_rule(known, image, id_number)
    assert 0 <= score <= 1 and (not match or known)


def test_plain_http_to_a_remote_host_is_refused(platform: PlatformHandle) -> None:
    with pytest.raises(PlatformConfigError):
        PlatformClient("http://gov-platform.example.invalid", "T", crypto.new_signing_key(),
                       platform_keys(platform))
    c = PlatformClient("https://gov-platform.example.invalid", "T", crypto.new_signing_key(),
                       platform_keys(platform))
    assert c.session.verify is True
    c.close()


@given(st.text(max_size=40))
def test_retry_after_parser_never_raises(value: str) -> None:
    r = _retry_after(value)
    assert r is None or r >= 0


@given(receipt=st.dictionaries(st.text(max_size=20), st.text(max_size=40) | st.integers(),
                               max_size=6),
       signature=st.text(max_size=100))
@settings(max_examples=150)
def test_receipt_verification_rejects_anything_forged(platform: PlatformHandle,
                                                      receipt: dict[str, object],
                                                      signature: str) -> None:
    c = PlatformClient(platform.base_url, "T", crypto.new_signing_key(), platform_keys(platform))
    r = c.verify_receipt(receipt, signature, "id", "hash")
    assert r.error is not None and r.error.transient
    c.close()


def test_encryption_key_rotation_keeps_the_backlog_openable(tmp_path: Path) -> None:
    from kiosk.offline.backoff import RetryPolicy
    from kiosk.offline.sync import SyncSchedule, SyncWorker
    from platform_server.keys import rotate_encryption_key
    from tests.queue_support import drain

    data = tmp_path / "platform"
    first = start_local_platform(data)
    old_key = first.encryption_public_key
    with make_queue(tmp_path / "k", first) as q:
        backlog = q.enqueue(application(1, attachment_bytes=3000))  # sealed to the old key
    first.stop()
    rotate_encryption_key(data)
    second = start_local_platform(data)
    try:
        assert second.encryption_public_key != old_key
        client, _ = make_client(second, terminal_id="T-ROT")
        q = make_queue(tmp_path / "k", second)  # the kiosk got the new key from config
        q.open()
        fresh = q.enqueue(application(2))
        worker = SyncWorker(q, client, schedule=SyncSchedule(0.05, 3600, 3600, 4096),
                            policy=RetryPolicy(0.05, 0.2))
        drain(worker)
        for r in (backlog, fresh):
            assert q.get(str(r.application_id))["state"] == "purged"  # type: ignore[index]
        q.close()
        client.close()
    finally:
        second.stop()
