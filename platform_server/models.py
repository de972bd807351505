"""Request bodies of the contract (Pydantic), mirroring platform_server/openapi.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ID_NUMBER = r"^\d{17}[\dX]$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SHA256 = r"^[0-9a-f]{64}$"
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Envelope(Strict):
    alg: str = Field(max_length=64)
    key_id: str = Field(max_length=64)
    epk: str = Field(max_length=128)
    wrap_nonce: str = Field(max_length=64)
    wrapped_key: str = Field(max_length=128)
    nonce: str = Field(max_length=64)
    ciphertext: str = Field(max_length=4_000_000)


class AttachmentRef(Strict):
    name: str = Field(min_length=1, max_length=128)
    sha256: str = Field(pattern=SHA256)
    size: int = Field(ge=0, le=20_000_000)


class Routing(BaseModel):
    model_config = ConfigDict(extra="allow")
    terminal_id: str = Field(max_length=64)
    region_code: str = Field(default="000000", max_length=6)


class Submission(Strict):
    application_id: str = Field(pattern=UUID)
    item_id: str = Field(min_length=1, max_length=128)
    catalogue_version: str = Field(max_length=64)
    created_at: str = Field(max_length=40)
    routing: Routing
    envelope: Envelope
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=50)


class IdQuery(Strict):
    id_number: str = Field(pattern=ID_NUMBER)


class CertificateQuery(Strict):
    kind: str = Field(min_length=1, max_length=64)
    id_number: str = Field(pattern=ID_NUMBER)
    from_period: str | None = Field(default=None, pattern=PERIOD)
    to_period: str | None = Field(default=None, pattern=PERIOD)


class FaceVerify(Strict):
    id_number: str = Field(pattern=ID_NUMBER)
    image_jpeg_b64: str = Field(min_length=4, max_length=8_000_000)


class BookingRequest(Strict):
    slot_id: str = Field(min_length=1, max_length=64)
    id_number: str = Field(pattern=ID_NUMBER)
    item_id: str = Field(min_length=1, max_length=128)


class Heartbeat(Strict):
    terminal_id: str = Field(min_length=1, max_length=64)
    time: str = Field(max_length=40)
    software_version: str = Field(max_length=64)
    catalogue_version: str | None = Field(default=None, max_length=64)
    queue_depth: int = Field(ge=0)
    oldest_item_age_s: float | None = Field(default=None, ge=0)
    dead_letters: int = Field(default=0, ge=0)
    last_error: str | None = Field(default=None, max_length=500)
    devices: dict[str, str] = Field(default_factory=dict, max_length=32)
