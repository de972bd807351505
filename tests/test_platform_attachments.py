"""The reference platform's checks of attachments, through the kiosk's client over real HTTP:
an attachment is stored only if its bytes hash to its name (whole or in parts), and a manifest
is accepted only if every attachment it names is complete, of the declared size, and opens with
that application's data key under its own name."""

from __future__ import annotations

import json
import os

from kiosk.offline.store import Claim, OfflineQueue
from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient
from platform_server.app import RecentAttachments
from platform_server.runner import PlatformHandle
from tests.queue_support import application

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client


def claimed(q: OfflineQueue, n: int, size: int = 3000) -> Claim:
    r = q.enqueue(application(n, attachment_bytes=size))
    assert r.ok
    claim = q.claim_next(only=str(r.application_id))
    assert claim is not None and claim.error is None
    return claim


def test_a_whole_attachment_not_matching_its_name_is_refused_and_not_kept(
        client: PlatformClient) -> None:
    # In one part: the platform compares the name with the digest its signature check took.
    data = os.urandom(5000)
    wrong = crypto.sha256_hex(data + b"x")
    r = client.put_attachment_part(wrong, 0, len(data), data)
    assert r.error is not None and r.error.status == 422
    assert r.error.code == "ATTACHMENT_HASH_MISMATCH"
    assert client.attachment_status(wrong).unwrap() is None
    right = crypto.sha256_hex(data)
    ok = client.put_attachment_part(right, 0, len(data), data, name_is_hash_of_part=True)
    assert ok.unwrap().complete and ok.unwrap().received == len(data)


def test_an_attachment_in_parts_is_checked_when_the_last_part_arrives(
        client: PlatformClient) -> None:
    data = os.urandom(9000)
    wrong = crypto.sha256_hex(data[::-1])
    first = client.put_attachment_part(wrong, 0, len(data), data[:4000]).unwrap()
    assert first.received == 4000 and not first.complete
    last = client.put_attachment_part(wrong, 4000, len(data), data[4000:])
    assert last.error is not None and last.error.code == "ATTACHMENT_HASH_MISMATCH"
    assert client.attachment_status(wrong).unwrap() is None  # the parts are gone too
    right = crypto.sha256_hex(data)
    client.put_attachment_part(right, 0, len(data), data[:4000]).unwrap()
    whole = client.put_attachment_part(right, 4000, len(data), data[4000:]).unwrap()
    assert whole.complete and whole.received == len(data)


def test_a_manifest_waits_for_all_of_its_attachments(client: PlatformClient,
                                                     queue: OfflineQueue) -> None:
    claim = claimed(queue, 1)
    (_name, _local, _size, sha), blob = claim.attachments[0], claim.blobs[0]
    never = client.submit_application(claim.id, claim.manifest)
    assert never.error is not None and never.error.status == 409
    assert never.error.code == "ATTACHMENT_INCOMPLETE"
    client.put_attachment_part(sha, 0, len(blob), blob[:1000]).unwrap()
    partial = client.submit_application(claim.id, claim.manifest)
    assert partial.error is not None and partial.error.code == "ATTACHMENT_INCOMPLETE"
    assert client.upload_attachment(sha, blob, 64 * 1024).error is None
    receipt = client.submit_application(claim.id, claim.manifest).unwrap()
    assert receipt.application_id == claim.id


def test_a_manifest_whose_attachment_is_another_applications_is_refused(
        client: PlatformClient, queue: OfflineQueue) -> None:
    mine, other = claimed(queue, 2), claimed(queue, 3)
    for c in (mine, other):
        assert client.upload_attachment(c.attachments[0][3], c.blobs[0], 64 * 1024).error is None
    # The manifest names the other application's blob (complete, right size): it was sealed
    # with another data key, so it does not open as this application's attachment.
    doc = json.loads(mine.manifest)
    doc["attachments"][0]["sha256"] = other.attachments[0][3]
    doc["attachments"][0]["size"] = len(other.blobs[0])
    r = client.submit_application(mine.id, crypto.canonical_json(doc))
    assert r.error is not None and r.error.status == 422 and r.error.code == "ENVELOPE_INVALID"
    # A size other than the stored attachment's is refused before any opening.
    doc = json.loads(mine.manifest)
    doc["attachments"][0]["size"] += 1
    r = client.submit_application(mine.id, crypto.canonical_json(doc))
    assert r.error is not None and r.error.code == "ATTACHMENT_INCOMPLETE"
    # Nothing was recorded by the refusals: the real manifest is accepted.
    assert client.submit_application(mine.id, mine.manifest).unwrap().application_id == mine.id


def test_a_manifest_opens_its_attachments_from_memory_or_from_the_database(
        client: PlatformClient, queue: OfflineQueue, platform: PlatformHandle) -> None:
    recent: RecentAttachments = platform.app.state.recent_attachments
    held, dropped = claimed(queue, 4), claimed(queue, 5)
    for c in (held, dropped):
        assert client.upload_attachment(c.attachments[0][3], c.blobs[0], 64 * 1024).error is None
    # Evicted (or uploaded to another server process): the manifest reads the row.
    assert recent.take(dropped.attachments[0][3]) == dropped.blobs[0]
    for c in (held, dropped):
        assert client.submit_application(c.id, c.manifest).unwrap().application_id == c.id
    # The manifest took its attachment out of memory.
    assert recent.take(held.attachments[0][3]) is None


def test_only_complete_attachments_that_match_their_name_are_held_in_memory(
        client: PlatformClient, platform: PlatformHandle) -> None:
    recent: RecentAttachments = platform.app.state.recent_attachments
    data = os.urandom(7000)
    wrong, right = crypto.sha256_hex(data + b"x"), crypto.sha256_hex(data)
    assert client.put_attachment_part(wrong, 0, len(data), data).error is not None
    client.put_attachment_part(right, 0, len(data), data[:3000]).unwrap()
    assert recent.take(wrong) is None and recent.take(right) is None
    client.put_attachment_part(right, 3000, len(data), data[3000:]).unwrap()
    assert recent.take(right) == data


def test_attachments_held_in_memory_are_bounded() -> None:
    recent = RecentAttachments(10)
    recent.add("a", b"1234")
    recent.add("b", b"5678")
    recent.add("c", b"90ab")  # 12 bytes: the oldest goes
    recent.add("d", b"x" * 11)  # larger than the bound: not kept
    assert recent.take("a") is None and recent.take("d") is None
    assert recent.take("b") == b"5678" and recent.take("c") == b"90ab"
    recent.add("e", b"y" * 10)
    assert recent.take("e") == b"y" * 10
