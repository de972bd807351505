"""One application as the contract's ``Submission`` (platform_server/openapi.yaml), sealed.

Shared by the two ways an application leaves the kiosk, so the platform sees one format:
the offline queue (kiosk.offline.store writes a draft and the sync worker sends it) and the
direct online submit of online-only items (kiosk.journeys.online). The personal content is in
the envelope, sealed to the platform's public key; the readable routing part carries masked
values only. Attachments are referenced by SHA-256 and uploaded separately (PUT
/v1/attachments/{sha256}) before the submission is posted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kiosk import privacy
from kiosk.platform import crypto


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def application_payload(applicant: Mapping[str, Any], answers: Mapping[str, Any], item_title: str,
                        attachments: Sequence[tuple[str, str, int]]) -> bytes:
    """The plaintext sealed in the envelope; ``attachments`` are (name, mime, size)."""
    return crypto.canonical_json({
        "applicant": dict(applicant), "answers": dict(answers), "item_title": item_title,
        # No plaintext hashes: GCM authenticates each attachment, and a hash of a photo would
        # let anyone holding the photo confirm it was sent.
        "attachments": [{"name": n, "mime": m, "size": s} for n, m, s in attachments]})


def masked_applicant(applicant: Mapping[str, Any]) -> dict[str, str]:
    return {"name": privacy.mask_name(str(applicant.get("name", ""))),
            "id_number": privacy.mask_id_number(str(applicant.get("id_number", "")))}


def submission_document(*, application_id: str, item_id: str, catalogue_version: str,
                        created_at: float, terminal_id: str, region_code: str, item_title: str,
                        applicant: Mapping[str, Any], envelope: Mapping[str, str],
                        attachments: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest as a dict (``attachments`` already in the form the caller wants)."""
    return {"application_id": application_id, "item_id": item_id,
            "catalogue_version": catalogue_version, "created_at": iso_time(created_at),
            "routing": {"terminal_id": terminal_id, "region_code": region_code,
                        "item_title": item_title,
                        "applicant_masked": masked_applicant(applicant)},
            "envelope": dict(envelope), "attachments": attachments}


@dataclass(frozen=True)
class SealedAttachment:
    name: str
    sha256: str
    blob: bytes = field(repr=False)  # nonce + ciphertext, as uploaded


@dataclass(frozen=True)
class SealedSubmission:
    """The exact bytes to post (the receipt names their SHA-256) and the blobs to upload first.
    Send these same bytes again on a retry: the platform answers a replay of an accepted
    application with its first receipt only when the content is identical."""

    application_id: str
    manifest: bytes = field(repr=False)
    attachments: tuple[SealedAttachment, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class AttachmentInput:
    name: str
    mime: str
    data: bytes = field(repr=False)


def seal_submission(*, encryption_key_b64: str, application_id: str, item_id: str,
                    catalogue_version: str, created_at: float, terminal_id: str,
                    region_code: str, item_title: str, applicant: Mapping[str, Any],
                    answers: Mapping[str, Any],
                    attachments: Sequence[AttachmentInput] = ()) -> SealedSubmission:
    """Seal one application into its final manifest; raises ``crypto.CryptoError`` for a bad key."""
    payload = application_payload(applicant, answers, item_title,
                                  [(a.name, a.mime, len(a.data)) for a in attachments])
    sealed = crypto.seal(encryption_key_b64, application_id, payload,
                         [(a.name, a.data) for a in attachments])
    blobs = tuple(SealedAttachment(name, crypto.sha256_hex(blob), blob)
                  for name, blob in ((n, b"".join(parts)) for n, parts in sealed.attachments))
    doc = submission_document(
        application_id=application_id, item_id=item_id, catalogue_version=catalogue_version,
        created_at=created_at, terminal_id=terminal_id, region_code=region_code,
        item_title=item_title, applicant=applicant, envelope=sealed.envelope,
        attachments=[{"name": b.name, "sha256": b.sha256, "size": len(b.blob)} for b in blobs])
    return SealedSubmission(application_id, crypto.canonical_json(doc), blobs)
