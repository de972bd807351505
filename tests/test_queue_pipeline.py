"""The sync worker's pipelining: the next item's attachments go up while a manifest is on the
wire, without giving up exactly-once, the per-item backoff or the worker-wide pause.

Through the fault-injecting proxy, whose log shows when each request reached the platform side."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.offline.store import Prepared
from platform_server.faultproxy import FaultProxy, FaultRule
from platform_server.runner import PlatformHandle
from tests.queue_support import Kiosk, application, drain, make_kiosk
from tests.test_queue_faults import SUBMIT, UPLOAD, assert_backoff_respected, assert_exactly_once

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client


@pytest.fixture
def kiosk(tmp_path: Path, platform: PlatformHandle, proxy: FaultProxy) -> Iterator[Kiosk]:
    k = make_kiosk(tmp_path, platform, base_url=proxy.base_url)
    yield k
    k.close()


def enqueue(k: Kiosk, sizes: list[int]) -> list[str]:
    ids = []
    for i, size in enumerate(sizes):
        r = k.queue.enqueue(application(i, attachment_bytes=size))
        assert r.ok
        ids.append(str(r.application_id))
    return ids


def test_next_attachment_goes_up_while_a_manifest_is_on_the_wire(
        kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, [50_000, 50_000, 50_000])
    # The first answer dawdles (2 s: room for a loaded machine's scheduling delays).
    proxy.add(FaultRule("slow", "POST", SUBMIT, count=1, delay_s=2.0))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    assert assert_backoff_respected(kiosk, ids) == 0
    submits, puts = proxy.requests("POST", SUBMIT), proxy.requests("PUT", UPLOAD)
    # Every attachment went up exactly once (an upload ahead is not repeated by the attempt).
    assert len(puts) == 3 and not proxy.requests("GET", UPLOAD)
    # The second item's attachment reached the platform while the first manifest's answer was
    # still coming (serially it would follow that answer, two seconds later).
    # (It may even start a moment before the proxy logs that manifest: the helper thread is
    # handed the next item as the manifest goes out.)
    assert puts[0].time < puts[1].time < submits[0].time + 1.9
    # Manifests still go one at a time, in order.
    assert submits[1].time >= submits[0].time + 1.9


def test_a_failed_upload_ahead_is_that_items_failed_attempt(
        kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, [50_000, 50_000])
    proxy.add(FaultRule("slow", "POST", SUBMIT, count=1, delay_s=0.6))
    proxy.add(FaultRule("slow", "PUT", UPLOAD, count=1, delay_s=0.0))  # the first item's own
    proxy.add(FaultRule("http_status", "PUT", UPLOAD, count=1, status=503))  # the one ahead
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    failed = [e for e in proxy.requests("PUT", UPLOAD) if e.fault == "http_status"]
    assert len(failed) == 1
    # It was the upload ahead: sent while the first manifest was on the wire.
    assert failed[0].time < proxy.requests("POST", SUBMIT)[0].time + 0.5
    first, second = kiosk.queue.attempts(ids[0]), kiosk.queue.attempts(ids[1])
    assert [a["outcome"] for a in first] == ["delivered"]
    assert [a["outcome"] for a in second] == ["retry", "delivered"]
    assert second[0]["error_code"] == "NET-020"
    assert assert_backoff_respected(kiosk, ids) == 1


def test_upload_ahead_halts_while_the_worker_is_paused(
        kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    # The second attachment is ~10 parts of 64 KiB, each slowed to 0.1 s: uploaded ahead without
    # a halt, parts would keep going out during the first manifest's Retry-After.
    ids = enqueue(kiosk, [1_000, 600_000])
    proxy.add(FaultRule("http_429", "POST", SUBMIT, count=1, retry_after_s=1))
    proxy.add(FaultRule("slow", "PUT", UPLOAD, count=30, delay_s=0.1))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    throttled = next(e for e in proxy.log if e.fault == "http_429")
    # At most the part already in flight when the 429 came back; then nothing for 1 s.
    during = [e for e in proxy.log if throttled.time + 0.3 < e.time < throttled.time + 1.0]
    assert during == [], during
    assert_backoff_respected(kiosk, ids)
    # The halted upload resumed where it stopped (asked first), not from zero.
    offsets = [e.path.split("offset=")[1].split("&")[0] for e in proxy.requests("PUT", UPLOAD)]
    assert offsets.count("0") == 2  # the first item's one part, the second's first part


def test_the_item_uploaded_ahead_is_leased_while_its_upload_is_going(
        kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy) -> None:
    ids = enqueue(kiosk, [50_000, 50_000, 50_000])
    proxy.add(FaultRule("slow", "PUT", UPLOAD, count=1, delay_s=0.0))  # the first item's own
    proxy.add(FaultRule("slow", "PUT", UPLOAD, count=1, delay_s=1.5))  # the second, ahead
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    assert assert_backoff_respected(kiosk, ids) == 0
    puts, submits = proxy.requests("PUT", UPLOAD), proxy.requests("POST", SUBMIT)
    assert len(puts) == 3 and [e.fault for e in puts[:2]] == ["slow", "slow"]
    second = kiosk.queue.attempts(ids[1])
    assert [a["outcome"] for a in second] == ["delivered"]
    # The proxy trickles the slowed upload to the platform over 1.5 s (its last eighth after
    # the last piece), so the answer comes back more than 1.3 s after the proxy saw it. The
    # item was leased (and the third item's read started) well before that; its manifest
    # still waited for the answer.
    assert second[0]["started_at"] < puts[1].time + 0.9
    assert submits[1].time >= puts[1].time + 1.25
    # The third item's attachment went up after the second's upload finished: one upload
    # ahead at a time.
    assert puts[2].time >= puts[1].time + 1.25


def record_reads_ahead(k: Kiosk, monkeypatch: pytest.MonkeyPatch
                       ) -> list[tuple[float, float, str | None]]:
    """(start, end, item read) of every read ahead, in the order they ran."""
    reads: list[tuple[float, float, str | None]] = []
    real = k.queue._read_ahead_job

    def job(current_id: str, now: float) -> Prepared | None:
        started = time.time()
        prepared = real(current_id, now)
        reads.append((started, time.time(), prepared.item_id if prepared else None))
        return prepared

    monkeypatch.setattr(k.queue, "_read_ahead_job", job)
    return reads


def test_the_item_after_the_one_uploaded_ahead_is_read_during_that_upload(
        kiosk: Kiosk, platform: PlatformHandle, proxy: FaultProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = enqueue(kiosk, [50_000, 50_000, 50_000])
    reads = record_reads_ahead(kiosk, monkeypatch)
    # The first manifest's answer dawdles: the second item is uploaded ahead meanwhile, and
    # the second item is leased only after that answer.
    proxy.add(FaultRule("slow", "POST", SUBMIT, count=1, delay_s=1.5))
    drain(kiosk.worker)
    assert_exactly_once(kiosk, platform, ids)
    submits, puts = proxy.requests("POST", SUBMIT), proxy.requests("PUT", UPLOAD)
    assert len(puts) == 3
    third = [r for r in reads if r[2] == ids[2]]
    # The third item was read once, while the second one's upload ahead was going (it used to
    # be read only when the second item was leased, after the first manifest's answer).
    assert len(third) == 1 and third[0][1] < submits[0].time + 1.2
    # Each item was read once: the first beside the second, the others ahead.
    assert sorted(r[2] for r in reads if r[2]) == sorted(ids[1:])
    # The third item's upload went out with the second manifest, not after a read.
    assert puts[2].time < submits[1].time + 0.5


def test_a_backlog_s_first_item_is_read_beside_the_next(
        kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    q = kiosk.queue
    ids = enqueue(kiosk, [40_000, 40_000, 40_000])
    reads = record_reads_ahead(kiosk, monkeypatch)
    started = threading.Event()
    real_job, real_prepare = q._read_ahead_job, q._prepare

    def job(current_id: str, now: float) -> Prepared | None:
        started.set()
        return real_job(current_id, now)

    own: list[float] = []

    def prepare(*args: Any) -> Any:
        if threading.current_thread() is threading.main_thread():  # the claim's own read
            # It waits (a little) for the read of the next item to be going.
            assert started.wait(10)
            own.append(time.time())
        return real_prepare(*args)

    monkeypatch.setattr(q, "_read_ahead_job", job)
    monkeypatch.setattr(q, "_prepare", prepare)
    claim = q.claim_next(read_next=True)
    assert claim is not None and claim.id == ids[0] and claim.error is None
    assert len(own) == 1
    # The read of the next item was queued before the claim read its own item; the sync worker
    # asking for it gets that job, not a second read.
    job_ahead = q.read_ahead(claim.id)
    assert job_ahead is not None and job_ahead is q.read_ahead(claim.id)
    prepared = job_ahead.result(10)
    assert prepared is not None and prepared.item_id == ids[1]
    assert [r[2] for r in reads] == [ids[1]]
    # At most two reads are queued ahead.
    assert q.read_ahead(ids[1]) is not None and q.read_ahead(ids[2]) is None
    second = q.claim_next()
    assert second is not None and second.id == ids[1]
    assert len(own) == 1  # claimed with what was read ahead
