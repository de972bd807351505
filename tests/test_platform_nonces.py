"""Replay protection of the reference platform: a nonce is accepted once, whatever its request's
handler did (succeeded, failed, wrote nothing), also against concurrent twins and across a
restart, and pruning (at most once a second) never forgets a nonce whose timestamp could still
be accepted."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from kiosk.offline.store import Claim, OfflineQueue
from kiosk.platform import crypto
from kiosk.platform.client import TerminalAuth
from platform_server import auth as auth_module
from platform_server.auth import NonceLedger, authenticate
from platform_server.db import Application, Nonce, RawConnection, Terminal, make_engine
from platform_server.errors import ApiError
from platform_server.runner import PlatformHandle, start_local_platform
from tests.queue_support import application

pytest_plugins = ("tests.platform_fixtures",)  # platform


class Signer:
    """Signs a request once and sends those exact bytes and headers as often as asked."""

    def __init__(self, platform: PlatformHandle) -> None:
        self.base = platform.base_url
        self.key = crypto.new_signing_key()
        self.tid = "T-N" + uuid.uuid4().hex[:8]
        platform.register_terminal(self.tid, crypto.b64e(crypto.public_bytes(self.key)))
        self.session = requests.Session()
        self.session.auth = TerminalAuth(self.tid, self.key)

    def signed(self, method: str, path: str, **kw: object) -> requests.PreparedRequest:
        return self.session.prepare_request(requests.Request(method, self.base + path, **kw))

    def send(self, prepared: requests.PreparedRequest) -> requests.Response:
        return requests.Session().send(prepared.copy(), timeout=10)

    def put(self, sha: str, offset: int, total: int, data: bytes) -> requests.PreparedRequest:
        return self.signed("PUT", f"/v1/attachments/{sha}",
                           params={"offset": offset, "total": total}, data=data)

    def manifest(self, claim: Claim) -> requests.PreparedRequest:
        return self.signed("POST", "/v1/applications", data=claim.manifest,
                           headers={"Content-Type": "application/json",
                                    "Idempotency-Key": claim.id})


def code(resp: requests.Response) -> str:
    return str(resp.json()["error"]["code"]) if resp.status_code >= 400 else str(
        resp.status_code)


@pytest.fixture
def term(platform: PlatformHandle) -> Signer:
    return Signer(platform)


def claimed(q: OfflineQueue, n: int) -> Claim:
    r = q.enqueue(application(n, attachment_bytes=3000))
    claim = q.claim_next(only=str(r.application_id))
    assert claim is not None and claim.error is None
    return claim


def test_a_replayed_upload_is_refused_whatever_its_first_answer(term: Signer) -> None:
    data = os.urandom(4000)
    sha = crypto.sha256_hex(data)
    # Accepted (written with the nonce in one transaction), then replayed.
    ok = term.put(sha, 0, len(data), data)
    assert term.send(ok).status_code == 200
    assert code(term.send(ok)) == "AUTH_REPLAY"
    # Answered from what is stored (complete already: nothing written), then replayed.
    again = term.put(sha, 0, len(data), data)
    assert term.send(again).status_code == 200
    assert code(term.send(again)) == "AUTH_REPLAY"
    # Refused by the handler (hash mismatch, too large, wrong offset): the nonce is spent too.
    wrong = os.urandom(4000)
    for prepared, first in [(term.put(sha[::-1], 0, len(wrong), wrong), "ATTACHMENT_HASH_MISMATCH"),
                            (term.put(sha, 0, 10**9, b"x"), "ATTACHMENT_TOO_LARGE"),
                            (term.put(crypto.sha256_hex(wrong), 5, 4005, wrong), "OFFSET_MISMATCH")]:
        assert code(term.send(prepared)) == first
        assert code(term.send(prepared)) == "AUTH_REPLAY"
    # A 404 (nothing found, nothing written) spends its nonce as well.
    status = term.signed("GET", f"/v1/attachments/{crypto.sha256_hex(b'none')}")
    assert code(term.send(status)) == "ATTACHMENT_UNKNOWN"
    assert code(term.send(status)) == "AUTH_REPLAY"


def test_a_refused_manifest_cannot_be_replayed_once_it_would_succeed(
        term: Signer, queue: OfflineQueue, platform: PlatformHandle) -> None:
    claim = claimed(queue, 1)
    (_n, _h, _size, sha), blob = claim.attachments[0], claim.blobs[0]
    early = term.manifest(claim)
    assert code(term.send(early)) == "ATTACHMENT_INCOMPLETE"  # the handler failed...
    assert term.send(term.put(sha, 0, len(blob), blob)).status_code == 200
    # ... and its nonce was committed anyway: the captured request, which would now be
    # accepted, is refused as a replay.
    assert code(term.send(early)) == "AUTH_REPLAY"
    assert claim.id not in {a["application_id"] for a in platform.applications()}
    fresh = term.manifest(claim)
    assert term.send(fresh).status_code == 201
    assert code(term.send(fresh)) == "AUTH_REPLAY"
    assert term.send(term.manifest(claim)).status_code == 200  # a new nonce: the same receipt


def test_concurrent_twins_are_accepted_once(term: Signer, queue: OfflineQueue,
                                            platform: PlatformHandle) -> None:
    claim = claimed(queue, 2)
    (_n, _h, _size, sha), blob = claim.attachments[0], claim.blobs[0]
    for prepared, expected in ((term.put(sha, 0, len(blob), blob), "200"),
                               (term.manifest(claim), "201")):
        answers: list[str] = []
        start = threading.Barrier(6)

        def send(p: requests.PreparedRequest = prepared, out: list[str] = answers,
                 barrier: threading.Barrier = start) -> None:
            barrier.wait()
            out.append(code(term.send(p)))
        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answers.count("AUTH_REPLAY") == 5, answers
        assert set(answers) - {"AUTH_REPLAY"} == {expected}, answers
    assert [a["application_id"] for a in platform.applications()].count(claim.id) == 1


def test_a_nonce_is_refused_after_a_restart(tmp_path: Path) -> None:
    first = start_local_platform(tmp_path / "p")
    t = Signer(first)
    status = t.signed("GET", f"/v1/attachments/{crypto.sha256_hex(b'x')}")
    data = os.urandom(2000)
    upload = t.put(crypto.sha256_hex(data), 0, len(data), data)
    assert code(t.send(status)) == "ATTACHMENT_UNKNOWN"
    assert t.send(upload).status_code == 200
    first.stop()
    second = start_local_platform(tmp_path / "p", port=first.port)
    try:
        assert code(t.send(status)) == "AUTH_REPLAY"
        assert code(t.send(upload)) == "AUTH_REPLAY"
    finally:
        second.stop()


@pytest.fixture
def ledger_db(tmp_path: Path) -> Iterator[tuple[NonceLedger, RawConnection, crypto.Ed25519PrivateKey]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.sqlite3'}")
    key = crypto.new_signing_key()
    with engine.begin() as c:
        c.execute(Terminal.__table__.insert().values(
            terminal_id="T-L", public_key=crypto.b64e(crypto.public_bytes(key))))
    db = RawConnection(engine)
    yield NonceLedger(engine.dialect, window_s=10), db, key
    db.close()
    engine.dispose()


def test_pruning_runs_at_most_once_a_second_and_keeps_acceptable_nonces(
        ledger_db: tuple[NonceLedger, RawConnection, crypto.Ed25519PrivateKey],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ledger, db, key = ledger_db
    clock = [1_000_000.0]
    monkeypatch.setattr(auth_module.time, "time", lambda: clock[0])

    def request(ts: int, nonce: str) -> None:
        headers = {"x-terminal-id": "T-L", "x-timestamp": str(ts), "x-nonce": nonce,
                   "x-signature": crypto.sign(key, crypto.request_string_to_sign(
                       "GET", "/p", str(ts), nonce, b""))}
        a = authenticate(db, ledger, method="GET", path_and_query="/p", body=b"",
                         headers=headers, auto_enroll=False)
        ledger.insert(db, a)
        db.commit()

    def stored() -> set[str]:
        with sqlite3.connect(tmp_path / "n.sqlite3") as c:
            return {n for (n,) in c.execute("SELECT nonce FROM nonces")}

    # A request timestamped as early as the window allows (ts = now + 10) ...
    request(int(clock[0]) + 10, "early-nonce")
    # ... is replayable until ts + 10 = seen + 20: the ledger must hold it that long.
    for step in (5.0, 5.0, 5.0, 4.9):
        clock[0] += step
        request(int(clock[0]), uuid.uuid4().hex)  # prunes (more than a second since the last)
        assert "early-nonce" in stored()
        with pytest.raises(ApiError) as e:
            request(1_000_000 + 10, "early-nonce")
        assert e.value.code == "AUTH_REPLAY"
    # Past its window: refused by the clock check, and pruned at the next prune.
    clock[0] += 0.2
    with pytest.raises(ApiError) as e:
        request(1_000_000 + 10, "early-nonce")
    assert e.value.code == "AUTH_CLOCK_SKEW"
    clock[0] += 1.0
    request(int(clock[0]), "prunes-now")
    assert "early-nonce" not in stored()
    # Within a second of that prune no other prune runs: count the DELETEs.
    deletes = []
    raw = db._conn.driver_connection
    raw.set_trace_callback(lambda s: deletes.append(s) if s.startswith("DELETE") else None)
    for _ in range(5):
        clock[0] += 0.15
        request(int(clock[0]), uuid.uuid4().hex)
    assert deletes == []
    clock[0] += 0.5
    request(int(clock[0]), uuid.uuid4().hex)
    assert len(deletes) == 1
    raw.set_trace_callback(None)


def test_a_nonce_refused_at_insert_rolls_back_the_transaction_it_joined(
        ledger_db: tuple[NonceLedger, RawConnection, crypto.Ed25519PrivateKey],
        tmp_path: Path) -> None:
    """A replay that slipped past the early check (its twin committed in between) is refused
    when its nonce is written, and whatever it wrote before is rolled back with it."""
    ledger, db, key = ledger_db
    engine = make_engine(f"sqlite:///{tmp_path / 'n.sqlite3'}")
    ts = str(int(auth_module.time.time()))
    headers = {"x-terminal-id": "T-L", "x-timestamp": ts, "x-nonce": "twin-nonce",
               "x-signature": crypto.sign(key, crypto.request_string_to_sign(
                   "GET", "/p", ts, "twin-nonce", b""))}
    a = authenticate(db, ledger, method="GET", path_and_query="/p", body=b"", headers=headers,
                     auto_enroll=False)
    b = authenticate(db, ledger, method="GET", path_and_query="/p", body=b"", headers=headers,
                     auto_enroll=False)
    ledger.insert(db, a)
    db.commit()
    ledger.enroll(db, "T-WRITTEN-BY-TWIN", "k")
    with pytest.raises(ApiError) as e:
        ledger.insert(db, b)
    assert e.value.code == "AUTH_REPLAY"
    with engine.connect() as c:
        assert c.execute(select(Terminal).where(
            Terminal.terminal_id == "T-WRITTEN-BY-TWIN")).first() is None
        assert c.execute(select(Nonce.nonce)).scalars().all() == ["twin-nonce"]
        assert c.execute(select(Application)).first() is None
    engine.dispose()
