"""Network faults between kiosk and platform, through a fault-injecting proxy on loopback.

Every scenario: applications arrive at the platform exactly once, every acknowledged one is
delivered, and retries never come faster than the backoff policy allows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.offline.backoff import RetryPolicy
from kiosk.platform.client import Timeouts
from platform_server.faultproxy import FaultProxy, FaultRule
from platform_server.runner import PlatformHandle
from tests.queue_support import FAST_POLICY, Kiosk, application, drain, make_kiosk

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client

SUBMIT = "/v1/applications"
UPLOAD = "/v1/attachments/"


@pytest.fixture
def kiosk(tmp_path: Path, platform: PlatformHandle, proxy: FaultProxy) -> Iterator[Kiosk]:
    k = make_kiosk(tmp_path, platform, base_url=proxy.base_url,
                   timeouts=Timeouts(connect_s=1, read_s=0.6, upload_s=0.6))
    yield k
    k.close()


def enqueue(k: Kiosk, n: int = 3, attachment_bytes: int = 0) -> list[str]:
    ids = []
    for i in range(n):
        r = k.queue.enqueue(application(i, attachment_bytes=attachment_bytes if i == 0 else 0))
        assert r.ok
        ids.append(str(r.application_id))
    return ids


def assert_exactly_once(k: Kiosk, platform: PlatformHandle, ids: list[str]) -> None:
    received = [a["application_id"] for a in platform.applications()]
    for app_id in ids:
        assert received.count(app_id) == 1, app_id
        item = k.queue.get(app_id)
        assert item is not None and item["state"] == "purged"
        receipt = k.queue.receipt(app_id)
        assert receipt is not None
        assert k.client.verify_receipt(receipt[0], receipt[1], app_id,
                                       receipt[0]["payload_sha256"]).ok
    assert k.queue.file_names() == []


def assert_backoff_respected(k: Kiosk, ids: list[str], policy: RetryPolicy = FAST_POLICY) -> int:
    """Each retry starts no earlier than the delay chosen after the previous attempt, and that
    delay lies within the policy (full jitter up to the ceiling, Retry-After as a floor)."""
    retries = 0
    for app_id in ids:
        log = k.queue.attempts(app_id)
        for prev, nxt in itertools.pairwise(log):
            assert prev["outcome"] == "retry", log
            delay = prev["delay_s"]
            ceiling = policy.ceiling(prev["number"])
            if prev["retry_after_s"] is not None:
                floor = min(prev["retry_after_s"], policy.max_retry_after_s)
                assert floor <= delay <= max(ceiling, floor)
            else:
                assert 0 <= delay <= ceiling
            assert nxt["started_at"] >= prev["finished_at"] + delay - 1e-3, (prev, nxt)
            retries += 1
    return retries


def test_no_fault_baseline(kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, attachment_bytes=200_000)
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    assert assert_backoff_respected(kiosk, ids) == 0


def test_connection_refused(kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk)
    proxy.set_refusing(True)
    online: list[bool] = []
    kiosk.worker.listeners.network_state.append(online.append)
    for _ in range(3):
        claim = kiosk.queue.claim_next()
        if claim is not None:
            kiosk.worker.deliver(claim)
    codes_seen = {a["error_code"] for i in ids for a in kiosk.queue.attempts(i)}
    assert "NET-010" in codes_seen and online == [False]
    proxy.set_refusing(False)
    drain(kiosk.worker)
    assert online == [False, True]
    assert_exactly_once(kiosk, platform, ids)
    assert assert_backoff_respected(kiosk, ids) >= 1


@pytest.mark.parametrize("mode,expected", [
    ("reset_before", "NET-010"),
    ("reset_after", "NET-010"),  # the platform accepted it; the answer was lost
    ("timeout", "NET-011"),  # the platform accepted it; the answer came too late
    ("garbage", "NET-030"),
    ("bad_signature", "NET-031"),
])
def test_faults_on_submission(kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy,
                              mode: str, expected: str) -> None:
    ids = enqueue(kiosk)
    proxy.add(FaultRule(mode, "POST", SUBMIT, count=2, delay_s=1.0))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    assert len([e for e in proxy.requests("POST", SUBMIT) if e.fault == mode]) == 2
    errors = [a["error_code"] for i in ids for a in kiosk.queue.attempts(i) if a["error_code"]]
    assert errors.count(expected) == 2, errors
    assert assert_backoff_respected(kiosk, ids) == 2


def test_server_errors_5xx(kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk)
    proxy.add(FaultRule("http_status", "POST", SUBMIT, count=4, status=503))
    proxy.add(FaultRule("http_status", "PUT", UPLOAD, count=1, status=500))
    ids += enqueue(kiosk, 1, attachment_bytes=100_000)
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    assert assert_backoff_respected(kiosk, ids) == 5


def test_slow_answers_still_deliver_once(kiosk: Kiosk, platform: PlatformHandle,
                                         proxy: FaultProxy) -> None:
    ids = enqueue(kiosk)
    proxy.add(FaultRule("slow", None, "/v1/", count=6, delay_s=0.3))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)


def test_429_retry_after_is_honoured(kiosk: Kiosk, platform: PlatformHandle,
                                     proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, 2)
    proxy.add(FaultRule("http_429", "POST", SUBMIT, count=1, retry_after_s=1))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    first = kiosk.queue.attempts(ids[0])
    assert first[0]["error_code"] == "NET-021" and first[0]["retry_after_s"] == 1
    assert first[1]["started_at"] - first[0]["finished_at"] >= 1.0
    # The worker paused as a whole: the second item did not go out during the Retry-After.
    submits = proxy.requests("POST", SUBMIT)
    assert submits[1].time - submits[0].time >= 1.0
    assert_backoff_respected(kiosk, ids)


def test_attachment_upload_resumes_where_it_broke(kiosk: Kiosk, platform: PlatformHandle,
                                                  proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, 1, attachment_bytes=600_000)  # ~10 parts of 64 KiB
    proxy.add(FaultRule("reset_after", "PUT", UPLOAD, count=1))
    rule = FaultRule("reset_before", "PUT", UPLOAD, count=1)
    puts_before_second_fault = 4
    # Let a few parts through, then break again.
    proxy.add(FaultRule("slow", "PUT", UPLOAD, count=puts_before_second_fault, delay_s=0.0))
    proxy.add(rule)
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    puts = proxy.requests("PUT", UPLOAD)
    parts = -(-600_028 // (64 * 1024))
    # Resumed, not restarted: at most one part re-sent per break.
    assert len(puts) <= parts + 2, len(puts)
    offsets = [p.path.split("offset=")[1].split("&")[0] for p in puts]
    assert offsets.count("0") <= 2


def test_permanent_rejection_dead_letters_then_redrive(kiosk: Kiosk, platform: PlatformHandle,
                                                       proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, 2)
    proxy.add(FaultRule("http_status", "POST", SUBMIT, count=1, status=400))
    dead: list[tuple[str, str]] = []
    kiosk.worker.listeners.dead_lettered.append(lambda i, c: dead.append((i, c)))
    drain(kiosk.worker)
    stats = kiosk.queue.stats()
    assert stats.dead == 1 and stats.depth == 0 and len(dead) == 1
    dead_item = kiosk.queue.items(states=["dead"])[0]
    assert dead_item["last_error_code"] == "INJECTED"
    received = {a["application_id"] for a in platform.applications()}
    assert dead_item["id"] not in received
    assert kiosk.queue.redrive(dead_item["id"])
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)


def test_real_platform_rejection_is_permanent(kiosk: Kiosk, platform: PlatformHandle) -> None:
    """A payload the platform refuses (422 PAYLOAD_INVALID) is dead-lettered, not retried."""
    from kiosk.offline.store import ApplicationInput

    r = kiosk.queue.enqueue(ApplicationInput("x", "1", {"name": "无证件号"}, {}))
    drain(kiosk.worker)
    item = kiosk.queue.get(str(r.application_id))
    assert item is not None and item["state"] == "dead"
    assert item["last_error_code"] == "PAYLOAD_INVALID" and item["attempts"] == 1
