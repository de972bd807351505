"""Staff card (工作卡) for lobby managers and technicians: identity by challenge-response.

Card format (our own applet, proprietary AID ``F0 4B494F534B535446 01`` = "KIOSKSTF" v1):
- SELECT AID → FCI ``6F [84 AID] [A5 [DF01 format version]]``;
- GET DATA ``80 CA 00 66 00`` → template ``66 [DF10 staff id] [DF11 role] [DF12 key version]``;
- INTERNAL AUTHENTICATE ``00 88 00 00 20 <32-byte challenge> 00`` → 32 bytes
  ``HMAC-SHA256(card_key, "KSTF1" || challenge || staff id)``.

The card key is diversified from a master key the kiosk holds (``HMAC-SHA256(master,
"staff-card-key" || key version || staff id)``), so the key read out of one card opens no other
card and the kiosk needs no per-card list. The kiosk draws a fresh random challenge every time and
compares in constant time. The card holds no PIN: the staff PIN is checked by the kiosk against its
own salted hash (staff module), never trusted to the card's honour.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.base import Outcome
from kiosk.devices.smartcard import tlv
from kiosk.devices.smartcard.apdu import ApduChannel, CommandApdu, select_by_name
from kiosk.devices.smartcard.errors import (
    STAFF_AUTH_FAILED,
    STAFF_BAD_CARD,
    STAFF_NO_KEY,
    CardFault,
    CardRefused,
    UnknownCard,
)

STAFF_AID = bytes.fromhex("F04B494F534B535446") + b"\x01"
MAC_DOMAIN = b"KSTF1"
KEY_DOMAIN = b"staff-card-key"
CHALLENGE_LENGTH = 32
ROLES = ("lobby_manager", "technician")


class StaffAuthFailed(CardFault):
    code, outcome, message_key = STAFF_AUTH_FAILED, Outcome.USER_ERROR, "smartcard.staff_auth_failed"


class StaffKeyMissing(CardFault):
    code, outcome, message_key = STAFF_NO_KEY, Outcome.NOT_READY, "smartcard.staff_no_key"


class StaffCardInvalid(CardFault):
    code, outcome, message_key = STAFF_BAD_CARD, Outcome.USER_ERROR, "smartcard.staff_bad_card"


@dataclass(frozen=True)
class StaffCardIdentity:
    staff_id: str
    role: str
    key_version: int

    def summary(self) -> dict[str, object]:
        return {"kind": "staff", "staff_id": self.staff_id, "role": self.role}


class StaffKeyring:
    """Master keys by version. Loaded from a file of ``version=hex`` lines (or one bare hex line)."""

    def __init__(self, masters: dict[int, bytes]) -> None:
        for version, key in masters.items():
            if len(key) < 16:
                raise ValueError(f"staff master key version {version} is shorter than 16 bytes")
        self._masters = dict(masters)

    @classmethod
    def from_file(cls, path: Path) -> StaffKeyring:
        masters: dict[int, bytes] = {}
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            version_text, _, hex_text = line.rpartition("=")
            try:
                masters[int(version_text) if version_text else 1] = bytes.fromhex(hex_text.strip())
            except ValueError:
                raise ValueError(f"{path}:{number}: expected 'version=hex'") from None
        return cls(masters)

    def versions(self) -> list[int]:
        return sorted(self._masters)

    def card_key(self, staff_id: str, key_version: int) -> bytes:
        master = self._masters.get(key_version)
        if master is None:
            raise StaffKeyMissing(f"no master key of version {key_version}")
        return diversify(master, staff_id, key_version)


def diversify(master: bytes, staff_id: str, key_version: int) -> bytes:
    message = KEY_DOMAIN + bytes([key_version & 0xFF]) + staff_id.encode("ascii")
    return hmac.new(master, message, hashlib.sha256).digest()


def card_mac(card_key: bytes, challenge: bytes, staff_id: str) -> bytes:
    return hmac.new(card_key, MAC_DOMAIN + challenge + staff_id.encode("ascii"), hashlib.sha256).digest()


def _read_identity(channel: ApduChannel) -> StaffCardIdentity:
    response = channel.transmit(select_by_name(STAFF_AID))
    if response.sw in (0x6A82, 0x6A81):
        raise UnknownCard("no staff applet")
    if not response.ok:
        raise CardRefused(f"SELECT staff applet: SW {response.sw:04X}", sw=response.sw)
    data = channel.expect_ok(CommandApdu(0x80, 0xCA, 0x00, 0x66, b"", 256), "GET DATA 66")
    try:
        template = tlv.parse_one(data, 0x66)
    except tlv.TlvError as e:
        raise StaffCardInvalid(f"staff template: {e}") from None
    staff_id_node, role_node, version_node = (template.find(t) for t in (0xDF10, 0xDF11, 0xDF12))
    if staff_id_node is None or role_node is None or version_node is None or len(version_node.value) != 1:
        raise StaffCardInvalid("staff template incomplete")
    try:
        staff_id = staff_id_node.value.decode("ascii")
        role = role_node.value.decode("ascii")
    except UnicodeDecodeError:
        raise StaffCardInvalid("staff id or role not ASCII") from None
    if not (staff_id.isalnum() and 1 <= len(staff_id) <= 16) or role not in ROLES:
        raise StaffCardInvalid("staff id or role not valid")
    return StaffCardIdentity(staff_id, role, version_node.value[0])


def authenticate(channel: ApduChannel, keyring: StaffKeyring | None,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> StaffCardIdentity:
    """Read the identity and prove the card holds that identity's key; raises a CardFault."""
    identity = _read_identity(channel)
    if keyring is None:
        raise StaffKeyMissing("devices.smartcard.staff_key_file is not set")
    key = keyring.card_key(identity.staff_id, identity.key_version)
    challenge = random_bytes(CHALLENGE_LENGTH)
    answer = channel.transmit(CommandApdu(0x00, 0x88, 0x00, 0x00, challenge, 256))
    if not answer.ok:
        raise StaffAuthFailed(f"INTERNAL AUTHENTICATE: SW {answer.sw:04X}")
    expected = card_mac(key, challenge, identity.staff_id)
    if not hmac.compare_digest(answer.data, expected):
        raise StaffAuthFailed("card answer does not match the provisioned key")
    return identity
