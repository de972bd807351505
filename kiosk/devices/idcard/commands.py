"""The reader's command set and answer shape (pure).

Request payload: ``CMD PARA [data]``; answer payload: ``SW1 SW2 SW3 [data]`` with SW1 SW2 normally
``00 00`` and SW3 the status (see :mod:`.errors`). The read answers start with big-endian words
giving the text, photo (and fingerprint) lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.idcard.frame import encode_frame

TEXT_LEN = 256
PHOTO_LEN = 1024
FINGERPRINT_LEN = 1024


@dataclass(frozen=True)
class Command:
    name: str
    cmd: int
    para: int
    data: bytes = b""

    @property
    def payload(self) -> bytes:
        return bytes([self.cmd, self.para]) + self.data

    def frame(self) -> bytes:
        return encode_frame(self.payload)


RESET_SAM = Command("reset_sam", 0x10, 0xFF)
SAM_STATUS = Command("sam_status", 0x11, 0xFF)
SAM_ID = Command("sam_id", 0x12, 0xFF)
FIND_CARD = Command("find_card", 0x20, 0x01)
SELECT_CARD = Command("select_card", 0x20, 0x02)
READ_BASE = Command("read_base", 0x30, 0x01)  # text + photo
READ_WITH_FINGERPRINT = Command("read_fingerprint", 0x30, 0x10)  # text + photo + fingerprint
# Unconfirmed in the brief: the command bytes come from configuration (default 30 03).
READ_APPENDED_ADDRESS = Command("read_appended_address", 0x30, 0x03)

ALL_COMMANDS = (RESET_SAM, SAM_STATUS, SAM_ID, FIND_CARD, SELECT_CARD, READ_BASE,
                READ_WITH_FINGERPRINT, READ_APPENDED_ADDRESS)


def parse_command_bytes(text: str, name: str = "custom") -> Command:
    """``"30 03"`` → a Command (used for configurable, unconfirmed commands)."""
    raw = bytes.fromhex(text)
    if len(raw) < 2:
        raise ValueError(f"command {text!r}: need CMD and PARA bytes")
    return Command(name, raw[0], raw[1], raw[2:])


class AnswerFormatError(ValueError):
    """An answer whose payload does not have the expected shape."""


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @classmethod
    def from_payload(cls, payload: bytes) -> Response:
        if len(payload) < 3:
            raise AnswerFormatError(f"answer payload of {len(payload)} byte(s), need SW1 SW2 SW3")
        return cls(payload[0], payload[1], payload[2], bytes(payload[3:]))

    def to_payload(self) -> bytes:
        return bytes([self.sw1, self.sw2, self.sw3]) + self.data


@dataclass(frozen=True, repr=False)
class CardBlocks:
    """The raw blocks of a read answer (personal data: never logged, repr shows sizes only)."""

    text: bytes
    photo: bytes
    fingerprint: bytes

    def __repr__(self) -> str:
        return f"CardBlocks(text={len(self.text)}B, photo={len(self.photo)}B, fingerprint={len(self.fingerprint)}B)"


def split_read_data(data: bytes, with_fingerprint: bool) -> CardBlocks:
    """Split a read answer's data by its length words (2 words, or 3 with fingerprint)."""
    words = 3 if with_fingerprint else 2
    head = 2 * words
    if len(data) < head:
        raise AnswerFormatError(f"read answer of {len(data)} byte(s) has no length words")
    lengths = [int.from_bytes(data[2 * i:2 * i + 2], "big") for i in range(words)]
    if sum(lengths) != len(data) - head:
        raise AnswerFormatError(f"length words {lengths} do not match {len(data) - head} data bytes")
    text_len, photo_len = lengths[0], lengths[1]
    if text_len != TEXT_LEN:
        raise AnswerFormatError(f"text block of {text_len} bytes, expected {TEXT_LEN}")
    text = data[head:head + text_len]
    photo = data[head + text_len:head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len:] if with_fingerprint else b""
    return CardBlocks(bytes(text), bytes(photo), bytes(fingerprint))


def build_read_data(blocks: CardBlocks, with_fingerprint: bool) -> bytes:
    """The inverse of :func:`split_read_data` (the simulator's side)."""
    words = [len(blocks.text), len(blocks.photo)]
    body = blocks.text + blocks.photo
    if with_fingerprint:
        words.append(len(blocks.fingerprint))
        body += blocks.fingerprint
    return b"".join(w.to_bytes(2, "big") for w in words) + body
