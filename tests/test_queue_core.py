"""The queue's own behaviour: state machine, backoff policy, recovery, lock, disk budget."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.offline import codes
from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.models import TRANSITIONS, State
from kiosk.offline.store import Failure, IllegalTransition, QueueLockedError, check_transition
from platform_server.runner import PlatformHandle
from tests.queue_support import application, drain, make_kiosk, make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client


def test_every_illegal_transition_is_refused() -> None:
    for old in State:
        for new in State:
            if new in TRANSITIONS[old]:
                check_transition(old, new)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(old, new)


@given(attempt=st.integers(1, 80), retry_after=st.none() | st.floats(0, 1e6),
       seed=st.integers(0, 2**32))
def test_backoff_is_full_jitter_capped_and_honours_retry_after(
        attempt: int, retry_after: float | None, seed: int) -> None:
    p = RetryPolicy(base_s=2, cap_s=900, max_retry_after_s=3600)
    d = p.delay(attempt, retry_after, random.Random(seed))
    ceiling = min(900, 2 * 2 ** (attempt - 1))
    if retry_after is None:
        assert 0 <= d <= ceiling
    else:
        assert min(retry_after, 3600) <= d <= max(ceiling, min(retry_after, 3600))


def test_backoff_spreads_a_fleet() -> None:
    """1,000 kiosks failing at once must not come back in lock-step."""
    p = RetryPolicy(base_s=2, cap_s=900)
    rng = random.Random(1)
    delays = sorted(p.delay(5, None, rng) for _ in range(1000))
    assert delays[0] < 2 and delays[-1] > 30  # spread over [0, 32]
    buckets = [sum(1 for d in delays if i * 4 <= d < (i + 1) * 4) for i in range(8)]
    assert max(buckets) < 200  # roughly uniform, no spike


def test_one_writer_process(tmp_path: Path, platform: PlatformHandle) -> None:
    q1 = make_queue(tmp_path, platform)
    q1.open()
    q2 = make_queue(tmp_path, platform)
    with pytest.raises(QueueLockedError):
        q2.open()
    assert q2.lock_held_elsewhere()
    q1.close()
    q2.open()
    q2.close()


def test_enqueue_is_idempotent_per_application_id(tmp_path: Path, platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform) as q:
        app = application(1)
        assert q.enqueue(app).ok
        assert q.enqueue(app).application_id == app.application_id
        assert q.stats().depth == 1


def test_recovery_removes_orphans_and_returns_leases(tmp_path: Path,
                                                     platform: PlatformHandle) -> None:
    q = make_queue(tmp_path, platform)
    q.open()
    assert q.enqueue(application(1, attachment_bytes=5000)).ok
    claim = q.claim_next()
    assert claim is not None
    orphan = q._store.put(b"sealed blob of an enqueue that crashed before its row")
    (q._store.tmp / "half.part").write_bytes(b"half")
    q.close()  # a crash: lease still held, orphan + temp file on disk
    q = make_queue(tmp_path, platform)
    report = q.open()
    assert report.leases_returned == 1 and report.orphan_blobs == 1 and report.temp_files == 1
    assert not q._store.path(orphan).exists()
    assert q.items()[0]["state"] == "retry"
    q.close()


def test_missing_payload_goes_to_dead_letters_not_lost(tmp_path: Path,
                                                       platform: PlatformHandle) -> None:
    q = make_queue(tmp_path, platform)
    q.open()
    r = q.enqueue(application(1, attachment_bytes=100))
    sha = q.file_names()[0]
    q.close()
    q._store.path(sha).unlink()
    q = make_queue(tmp_path, platform)
    assert q.open().missing_payloads == 1
    item = q.get(str(r.application_id))
    assert item is not None and item["state"] == "dead"
    assert item["last_error_code"] == codes.CORRUPT.code
    q.close()


def test_disk_budget_refuses_and_alarms(tmp_path: Path, platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform, disk_budget_bytes=400_000, alarm_ratio=0.5) as q:
        assert q.enqueue(application(1, attachment_bytes=150_000)).ok
        assert q.stats().disk_alarm
        refused = q.enqueue(application(2, attachment_bytes=300_000))
        assert not refused.ok and refused.error_code == codes.DISK_FULL.code
        assert refused.message_key == "queue.error_disk_full"
        assert q.stats().depth == 1


def test_permanent_failure_dead_letters_and_redrive(tmp_path: Path,
                                                    platform: PlatformHandle) -> None:
    k = make_kiosk(tmp_path, platform)
    try:
        r = k.queue.enqueue(application(1))
        claim = k.queue.claim_next()
        assert claim is not None
        k.queue.record_failure(claim, Failure("VALIDATION_FAILED", "422", transient=False))
        assert k.queue.stats().dead == 1 and k.queue.stats().depth == 0
        assert k.queue.redrive(str(r.application_id))
        drain(k.worker)
        assert k.queue.get(str(r.application_id))["state"] == "purged"  # type: ignore[index]
    finally:
        k.close()


def test_transient_failures_give_up_to_dead_letters_after_the_limit(
        tmp_path: Path, platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform, give_up_after_s=0.0) as q:
        q.enqueue(application(1))
        claim = q.claim_next()
        assert claim is not None
        q.record_failure(claim, Failure("NET-010", "refused", transient=True))
        item = q.items()[0]
        assert item["state"] == "dead" and item["last_error_code"] == codes.EXPIRED.code


def test_receipt_is_kept_and_verifies_after_purge(tmp_path: Path, platform: PlatformHandle) -> None:
    k = make_kiosk(tmp_path, platform)
    try:
        r = k.queue.enqueue(application(1, attachment_bytes=200_000))
        drain(k.worker)
        receipt, signature = k.queue.receipt(str(r.application_id))  # type: ignore[misc]
        verified = k.client.verify_receipt(receipt, signature, str(r.application_id),
                                           receipt["payload_sha256"])
        assert verified.ok
        assert k.queue.file_names() == [] and list(k.queue._store.names()) == []
        item = k.queue.get(str(r.application_id))
        assert item is not None and item["case_number"] == receipt["case_number"]
        assert item["display"]["id_number"].count("*") == 10
    finally:
        k.close()


def test_catalogue_refresh_uses_etag_and_cache(tmp_path: Path, platform: PlatformHandle) -> None:
    from kiosk.offline.sync import CatalogueCache

    k = make_kiosk(tmp_path, platform)
    try:
        k.worker.catalogue_cache = CatalogueCache(tmp_path / "cat")
        versions: list[str] = []
        k.worker.listeners.catalogue_updated.append(versions.append)
        assert k.worker.refresh_catalogue() and k.worker.refresh_catalogue()
        assert len(versions) == 1  # the second answer was 304
        assert k.worker.catalogue_cache.load(k.client) is not None
        assert k.worker.send_heartbeat()
        report = k.worker.heartbeat_report()
        assert report["queue_depth"] == 0 and report["catalogue_version"] == versions[0]
    finally:
        k.close()
