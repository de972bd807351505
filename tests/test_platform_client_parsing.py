"""Whatever bytes and status the platform (or anything in between) answers, every client call
returns a typed Result — never an exception (property-based)."""

from __future__ import annotations

import json
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient
from kiosk.platform.errors import Result
from kiosk.platform.keys import PlatformPublicKeys

KEYS = PlatformPublicKeys(crypto.b64e(crypto.public_bytes(crypto.new_signing_key())),
                          crypto.b64e(crypto.public_bytes(crypto.new_encryption_key())))

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=4) |
                           st.dictionaries(st.text(max_size=12), c, max_size=4), max_leaves=12)
shaped = st.fixed_dictionaries({}, optional={
    k: json_values for k in ("receipt", "signature", "error", "cases", "licences", "halls",
                             "slots", "document_b64", "sha256", "received", "total",
                             "complete")})
bodies = st.one_of(st.binary(max_size=300),
                   json_values.map(lambda v: json.dumps(v).encode()),
                   shaped.map(lambda v: json.dumps(v).encode()))


def fake_response(status: int, body: bytes, retry_after: str | None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.headers["Content-Type"] = "application/json"
    if retry_after is not None:
        r.headers["Retry-After"] = retry_after
    return r


CALLS: list[tuple[str, Any]] = [
    ("health", lambda c: c.health()),
    ("catalogue", lambda c: c.get_catalogue("etag")),
    ("attachment_status", lambda c: c.attachment_status("a" * 64)),
    ("put_part", lambda c: c.put_attachment_part("a" * 64, 0, 3, b"abc")),
    ("upload", lambda c: c.upload_attachment("a" * 64, b"abc", 2)),
    ("submit", lambda c: c.submit_application("id", b"{}")),
    ("case", lambda c: c.case_by_number("ZW1")),
    ("cases", lambda c: c.cases_by_id_number("110101198503121239")),
    ("certificate", lambda c: c.certificate("k", "110101198503121239", "2025-01")),
    ("licences", lambda c: c.licences("110101198503121239")),
    ("face", lambda c: c.verify_face("110101198503121239", b"\xff\xd8")),
    ("halls", lambda c: c.halls("31")),
    ("slots", lambda c: c.slots("H1", "2026-01-01")),
    ("book", lambda c: c.book("s", "110101198503121239", "i", "k")),
    ("heartbeat", lambda c: c.heartbeat({})),
]


@given(status=st.sampled_from([200, 201, 204, 304, 400, 401, 404, 409, 422, 429, 500, 503]),
       body=bodies, retry_after=st.none() | st.text(max_size=30),
       call=st.sampled_from(CALLS))
@settings(max_examples=400, deadline=None)
def test_any_answer_becomes_a_result(status: int, body: bytes, retry_after: str | None,
                                     call: tuple[str, Any]) -> None:
    client = PlatformClient("http://127.0.0.1:9", "T", crypto.new_signing_key(), KEYS)
    calls = {"n": 0}

    def fake_request(*_a: Any, **_k: Any) -> Result[requests.Response]:
        calls["n"] += 1
        if calls["n"] > 20:
            raise AssertionError("client loops on a bad answer")
        return Result.success(fake_response(status, body, retry_after))

    client._request = fake_request  # type: ignore[method-assign]
    result = call[1](client)
    assert isinstance(result, Result)
    if result.error is not None:
        assert result.error.error_code.startswith("NET-")
        assert result.error.retry_after_s is None or result.error.retry_after_s >= 0
    client.close()


def test_upload_that_never_advances_is_a_protocol_error() -> None:
    client = PlatformClient("http://127.0.0.1:9", "T", crypto.new_signing_key(), KEYS)
    stuck = json.dumps({"sha256": "a" * 64, "received": 0, "total": 3,
                        "complete": False}).encode()
    client._request = lambda *a, **k: Result.success(  # type: ignore[method-assign]
        fake_response(200, stuck, None))
    r = client.upload_attachment("a" * 64, b"abc", 1, ask_first=False)
    assert r.error is not None and r.error.error_code == "NET-030"
    client.close()


class _Recorder(requests.adapters.BaseAdapter):
    """An adapter that answers 200 {} and keeps what it was asked to send, and how."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append((request, kw))
        r = fake_response(200, b"{}", None)
        r.request, r.url = request, request.url or ""
        return r

    def close(self) -> None:
        pass


def test_requests_carry_the_sessions_settings_and_are_signed(tmp_path: Any) -> None:
    """The client prepares its requests itself (not through ``Session.request``): the session's
    headers, signature, TLS verification (system store or the configured bundle, never off),
    timeouts, no redirects and no proxies must all still reach the transport."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    key = crypto.new_signing_key()
    for ca, verify in ((None, True), (str(bundle), str(bundle))):
        client = PlatformClient("https://platform.example", "T-1", key, KEYS, ca_bundle=ca)
        rec = _Recorder()
        client.session.mount("https://", rec)
        client.session.headers["X-Session-Default"] = "kept"
        client.halls("31")
        client.submit_application("app-1", b'{"a":1}')
        (get, get_kw), (post, post_kw) = rec.sent
        for prepared, kw in rec.sent:
            assert kw["verify"] == verify and kw["proxies"] == {} and kw["cert"] is None
            assert kw["stream"] is False and kw["timeout"][0] == client.timeouts.connect_s
            h = prepared.headers
            assert h["User-Agent"] == "gov-kiosk" and h["X-Session-Default"] == "kept"
            assert h["X-Terminal-Id"] == "T-1"
            message = crypto.request_string_to_sign(
                prepared.method or "", prepared.path_url, h["X-Timestamp"], h["X-Nonce"],
                prepared.body if isinstance(prepared.body, bytes) else b"")
            crypto.verify(key.public_key(), message, h["X-Signature"])
        assert get.method == "GET" and get.url == "https://platform.example/v1/appointments/halls?region_code=31"
        assert get_kw["timeout"][1] == client.timeouts.read_s and not get.body
        assert post.body == b'{"a":1}' and post.headers["Idempotency-Key"] == "app-1"
        assert post.headers["Content-Type"] == "application/json"
        assert post_kw["timeout"][1] == client.timeouts.upload_s
        client.close()
