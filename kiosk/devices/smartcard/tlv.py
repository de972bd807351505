"""BER-TLV (ISO/IEC 8825-1 as used by EMV and PBOC) with strict bounds.

Every parser here reads bytes that came from outside (a card), so every length is checked against
what is really there and every failure is a :class:`TlvError` — never an IndexError or a silent
truncation. Multi-byte tags (low five bits all set) and long-form lengths (81, 82, 83) are handled;
indefinite lengths (80) are rejected because EMV forbids them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_DEPTH = 8


class TlvError(ValueError):
    """The bytes are not well-formed BER-TLV (truncated, bad length, too deep …)."""


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return tag_is_constructed(self.tag)

    def find(self, tag: int) -> Tlv | None:
        """The first node with ``tag`` in this subtree (depth-first), self included."""
        for node in self.walk():
            if node.tag == tag:
                return node
        return None

    def walk(self) -> Iterator[Tlv]:
        yield self
        for child in self.children:
            yield from child.walk()

    def __repr__(self) -> str:  # values may be cardholder data: show sizes only
        return f"Tlv(tag={self.tag:X}, len={len(self.value)}, children={len(self.children)})"


def tag_is_constructed(tag: int) -> bool:
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Parse a tag at ``pos``; return (tag, next position)."""
    if pos >= len(data):
        raise TlvError(f"tag expected at offset {pos}, data ends")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        for count in range(3):
            if pos >= len(data):
                raise TlvError("multi-byte tag truncated")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if count == 2:
                raise TlvError("tag longer than 4 bytes")
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """Parse a length at ``pos``; return (length, next position)."""
    if pos >= len(data):
        raise TlvError(f"length expected at offset {pos}, data ends")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise TlvError("indefinite length is not allowed")
    if count > 3:
        raise TlvError(f"length field of {count} bytes is not supported")
    if pos + count > len(data):
        raise TlvError("long-form length truncated")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def parse(data: bytes, *, depth: int = 0, allow_padding: bool = True) -> list[Tlv]:
    """Parse a sequence of TLV objects; constructed ones are parsed recursively.

    ``allow_padding`` skips 00 and FF bytes between objects (EMV allows them in records)."""
    if depth > MAX_DEPTH:
        raise TlvError("TLV nested too deeply")
    out: list[Tlv] = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        if allow_padding and data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        end = pos + length
        if end > len(data):
            raise TlvError(f"tag {tag:X} says {length} bytes but only {len(data) - pos} remain")
        value = data[pos:end]
        children = tuple(parse(value, depth=depth + 1)) if tag_is_constructed(tag) else ()
        out.append(Tlv(tag, value, children))
        pos = end
    return out


def parse_one(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Parse exactly one top-level object (trailing padding allowed)."""
    nodes = parse(data)
    if len(nodes) != 1:
        raise TlvError(f"expected one TLV object, found {len(nodes)}")
    if expected_tag is not None and nodes[0].tag != expected_tag:
        raise TlvError(f"expected tag {expected_tag:X}, found {nodes[0].tag:X}")
    return nodes[0]


def find(nodes: list[Tlv] | tuple[Tlv, ...], tag: int) -> Tlv | None:
    for node in nodes:
        hit = node.find(tag)
        if hit is not None:
            return hit
    return None


def encode_tag(tag: int) -> bytes:
    if tag < 0:
        raise ValueError("negative tag")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return b"\x82" + length.to_bytes(2, "big")
    if length <= 0xFFFFFF:
        return b"\x83" + length.to_bytes(3, "big")
    raise ValueError("value too long for TLV")


def encode(tag: int, value: bytes | list[bytes]) -> bytes:
    body = b"".join(value) if isinstance(value, list) else bytes(value)
    return encode_tag(tag) + encode_length(len(body)) + body


@dataclass(frozen=True)
class DolEntry:
    tag: int
    length: int


def parse_dol(data: bytes) -> list[DolEntry]:
    """A Data Object List (PDOL, CDOL …): tag + length pairs without values."""
    entries: list[DolEntry] = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        entries.append(DolEntry(tag, length))
    return entries
