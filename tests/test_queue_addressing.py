"""Content addressing: rows keep each blob's BLAKE3 (reads verify against it), the contract's
manifest names attachments by SHA-256 (filled in at sending, byte-identical on every attempt),
legacy queues (files named by SHA-256) still send."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import blake3
import pytest

from kiosk.offline.blobs import BlobCorrupt
from kiosk.offline.models import Item, ItemFile
from kiosk.offline.store import Failure, finalise_manifest
from kiosk.platform import crypto
from platform_server.runner import PlatformHandle
from tests.queue_support import application, drain, make_kiosk, make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client


def test_blobs_are_addressed_by_blake3_and_manifest_by_sha256(tmp_path: Path,
                                                              platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform) as q:
        q.enqueue(application(1, attachment_bytes=70_000))
        (file,) = q.file_names()
        first = q.claim_next()
        assert first is not None
        size = first.attachments[0][2]
        raw = (tmp_path / "files" / file).read_bytes()[:size]  # then zeros to a block boundary
        name = blake3.blake3(raw).hexdigest()
        assert q.read_blob(name) == raw and len(raw) == 70_000 + 28
        assert first is not None and first.error is None
        refs = json.loads(first.manifest)["attachments"]
        assert refs == [{"name": "doc.bin", "sha256": hashlib.sha256(raw).hexdigest(),
                         "size": len(raw)}]
        assert first.manifest_sha256 == crypto.sha256_hex(first.manifest)
        assert first.attachments[0][1:] == (name, len(raw), hashlib.sha256(raw).hexdigest())
        # A retry (or a restart) builds the very same bytes: the platform sees one content.
        q.record_failure(first, Failure("NET-010", "x", transient=True))
        q.clock = lambda: 1e12
        again = q.claim_next()
        assert again is not None and again.manifest == first.manifest


def test_a_damaged_blob_or_draft_dead_letters(tmp_path: Path, platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform) as q:
        r = q.enqueue(application(2, attachment_bytes=5000))
        (name,) = q.file_names()
        path = tmp_path / "files" / name
        path.write_bytes(b"\0" + path.read_bytes()[1:])
        claim = q.claim_next()
        assert claim is not None and claim.error is not None and not claim.manifest
    with pytest.raises(BlobCorrupt):
        finalise_manifest(b'{"attachments":[]}', "0" * 64, [])
    assert r.ok


def test_a_queue_written_with_sha256_names_still_delivers(tmp_path: Path,
                                                          platform: PlatformHandle) -> None:
    """Rows and blobs as the version before BLAKE3 wrote them: final manifest, SHA-256 names."""
    k = make_kiosk(tmp_path, platform)
    try:
        app_id = str(k.queue.enqueue(application(3, attachment_bytes=20_000)).application_id)
        claim = k.queue.claim_next()
        assert claim is not None
        (_name, _local, _size, sha) = claim.attachments[0]
        blob = claim.blobs[0]
        (tmp_path / "files" / sha).write_bytes(blob)
        (tmp_path / "files" / k.queue.file_names()[0]).unlink()
        with k.queue._session() as s:
            item = s.get(Item, app_id)
            assert item is not None
            item.manifest = claim.manifest
            item.manifest_sha256 = claim.manifest_sha256
            item.state = "retry"
            item.lease_expires_at = None
            s.query(ItemFile).filter_by(item_key=app_id).update({"content_hash": sha,
                                                                 "blob": None})
            s.commit()
        legacy = k.queue.claim_next()
        assert legacy is not None and legacy.error is None
        assert legacy.manifest == claim.manifest and legacy.attachments[0][3] == sha
        k.queue.record_failure(legacy, Failure("NET-010", "x", transient=True))
        k.queue.force_due()
        drain(k.worker)
        assert k.queue.get(app_id)["state"] == "purged"  # type: ignore[index]
        receipt = k.queue.receipt(app_id)
        assert receipt is not None and receipt[0]["payload_sha256"] == claim.manifest_sha256
    finally:
        k.close()
        k.queue.close()


def test_drafts_name_attachments_by_position_and_older_drafts_by_content_hash() -> None:
    """A draft's refs name each attachment by its position (it is made while the attachments
    are still being sealed); drafts stored before name them by BLAKE3. Both finalise to the
    contract's SHA-256 refs; a draft whose positions do not match its blobs is corrupt."""
    one, two = b"first sealed blob", b"second sealed blob"
    blobs = [(blake3.blake3(one).hexdigest(), one), (blake3.blake3(two).hexdigest(), two)]
    final = [{"name": "a.jpg", "sha256": hashlib.sha256(one).hexdigest(), "size": len(one)},
             {"name": "b.jpg", "sha256": hashlib.sha256(two).hexdigest(), "size": len(two)}]

    def draft(refs: list[dict[str, object]]) -> tuple[bytes, str]:
        stored = crypto.canonical_json({"application_id": "x", "attachments": refs})
        return stored, blake3.blake3(stored).hexdigest()

    by_part = draft([{"name": "a.jpg", "part": 0, "size": len(one)},
                     {"name": "b.jpg", "part": 1, "size": len(two)}])
    by_hash = draft([{"name": "a.jpg", "blake3": blobs[0][0], "size": len(one)},
                     {"name": "b.jpg", "blake3": blobs[1][0], "size": len(two)}])
    for stored, stored_hash in (by_part, by_hash):
        manifest, sha = finalise_manifest(stored, stored_hash, blobs)
        assert json.loads(manifest)["attachments"] == final
        assert sha == {blobs[0][0]: final[0]["sha256"], blobs[1][0]: final[1]["sha256"]}
    stored, stored_hash = draft([{"name": "a.jpg", "part": 2, "size": len(one)}])
    with pytest.raises(BlobCorrupt):
        finalise_manifest(stored, stored_hash, blobs[:1])
