"""The reader's frame codec (GA 467 style), pure — no I/O, no knowledge of any transport.

Frame, both directions::

    AA AA AA 96 69 | LEN_HI LEN_LO | payload … | XOR

``LEN`` (big-endian) counts every byte after the length field, checksum included; the checksum is
the XOR of the two length bytes and the payload.

:func:`encode_frame` / :func:`decode_frame` work on whole frames; :class:`FrameDecoder` is fed bytes
in any chunking from any transport (serial, socket, a future USB bulk endpoint) and yields payloads
and typed :class:`FrameError` values, resynchronising on the preamble after garbage or a bad frame.
"""

from __future__ import annotations

from dataclasses import dataclass

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2
# Largest frame known is the read with fingerprint (length 0x090A); leave room for unknown answers.
DEFAULT_MAX_LENGTH = 0x1000
MIN_LENGTH = 2  # at least one payload byte and the checksum


class FrameError(Exception):
    """Base of every error the codec reports; nothing else escapes it."""


class GarbageError(FrameError):
    """Bytes that were not part of any frame were skipped while looking for a preamble."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} byte(s) before a preamble skipped")
        self.count = count


class LengthError(FrameError):
    """The length field is impossible (too small or larger than any frame)."""

    def __init__(self, length: int) -> None:
        super().__init__(f"impossible frame length {length}")
        self.length = length


class ChecksumError(FrameError):
    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"checksum {got:02X}, expected {expected:02X}")
        self.expected = expected
        self.got = got


class PreambleError(FrameError):
    """A whole-frame decode found no preamble at the start."""


class TruncatedFrameError(FrameError):
    """A whole-frame decode ended before the frame did."""

    def __init__(self, have: int, need: int) -> None:
        super().__init__(f"frame truncated: {have} of {need} bytes")
        self.have = have
        self.need = need


class TrailingBytesError(FrameError):
    def __init__(self, count: int) -> None:
        super().__init__(f"{count} byte(s) after the end of the frame")
        self.count = count


def checksum(length_and_payload: bytes | bytearray) -> int:
    x = 0
    for b in length_and_payload:
        x ^= b
    return x


def encode_frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > 0xFFFF:
        raise ValueError("payload too long for a frame")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def _check(frame: bytes | bytearray, max_length: int) -> tuple[bytes, int]:
    """Validate one frame that starts at offset 0; return (payload, frame size)."""
    if len(frame) < HEADER_LEN:
        raise TruncatedFrameError(len(frame), HEADER_LEN)
    length = int.from_bytes(frame[5:7], "big")
    if length < MIN_LENGTH or length > max_length:
        raise LengthError(length)
    size = HEADER_LEN + length
    if len(frame) < size:
        raise TruncatedFrameError(len(frame), size)
    expected = checksum(frame[5:size - 1])
    if frame[size - 1] != expected:
        raise ChecksumError(expected, frame[size - 1])
    return bytes(frame[HEADER_LEN:size - 1]), size


def decode_frame(frame: bytes, max_length: int = DEFAULT_MAX_LENGTH) -> bytes:
    """Decode exactly one whole frame; raise a :class:`FrameError` subclass if it is not one."""
    if not frame.startswith(PREAMBLE):
        raise PreambleError("frame does not start with AA AA AA 96 69")
    payload, size = _check(frame, max_length)
    if size != len(frame):
        raise TrailingBytesError(len(frame) - size)
    return payload


@dataclass
class DecoderStats:
    frames: int = 0
    garbage_bytes: int = 0
    checksum_errors: int = 0
    length_errors: int = 0


DecodedItem = bytes | FrameError


class FrameDecoder:
    """Incremental decoder: ``feed(chunk)`` returns payloads and errors in arrival order."""

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.max_length = max_length
        self._buf = bytearray()
        self.stats = DecoderStats()

    def reset(self) -> None:
        self._buf.clear()

    @property
    def buffered(self) -> int:
        """Bytes held back: a partial frame (or a partial preamble)."""
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        """True when a preamble has been seen and the rest of its frame is awaited."""
        return self._buf.startswith(PREAMBLE)

    def wanted(self) -> int:
        """How many more bytes would complete the frame in progress (at least 1)."""
        if self.in_frame and len(self._buf) >= HEADER_LEN:
            length = int.from_bytes(self._buf[5:7], "big")
            return max(1, HEADER_LEN + length - len(self._buf))
        return max(1, HEADER_LEN - len(self._buf))

    def feed(self, data: bytes) -> list[DecodedItem]:
        self._buf += data
        out: list[DecodedItem] = []
        while True:
            skipped = self._sync()
            if skipped:
                self.stats.garbage_bytes += skipped
                out.append(GarbageError(skipped))
            if not self.in_frame or len(self._buf) < HEADER_LEN:
                return out
            try:
                payload, size = _check(self._buf, self.max_length)
            except TruncatedFrameError:
                return out  # wait for more bytes
            except (LengthError, ChecksumError) as e:
                if isinstance(e, LengthError):
                    self.stats.length_errors += 1
                else:
                    self.stats.checksum_errors += 1
                out.append(e)
                # Resync past this preamble: a bad length must not swallow a following frame.
                del self._buf[:1]
                continue
            del self._buf[:size]
            self.stats.frames += 1
            out.append(payload)

    def _sync(self) -> int:
        """Drop bytes before the next preamble; keep a tail that may be a preamble's beginning."""
        i = self._buf.find(PREAMBLE)
        if i == 0:
            return 0
        if i > 0:
            del self._buf[:i]
            return i
        keep = 0
        for k in range(min(len(PREAMBLE) - 1, len(self._buf)), 0, -1):
            if self._buf.endswith(PREAMBLE[:k]):
                keep = k
                break
        skipped = len(self._buf) - keep
        if skipped:
            del self._buf[:skipped]
        return skipped
