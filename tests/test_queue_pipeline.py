"""The sync worker's pipelining: the next item's attachments go up while a manifest is on the
wire, without giving up exactly-once, the per-item backoff or the worker-wide pause.

Through the fault-injecting proxy, whose log shows when each request reached the platform side."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
