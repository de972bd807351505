"""Request/answer exchange over any :class:`Transport`: one frame out, one frame back.

Every failure ends as a typed :class:`Completion` carrying an IDR code — no answer, garbled bytes,
a bad checksum, an incomplete frame, a lost link — and every wait is bounded by the caller's
timeout and its :class:`CancelToken`.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

from kiosk.devices.base import NEVER_CANCELLED, CancelToken, Completion
from kiosk.devices.idcard import errors as E
from kiosk.devices.idcard.commands import AnswerFormatError, Command, Response
from kiosk.devices.idcard.frame import (
    DEFAULT_MAX_LENGTH,
    HEADER_LEN,
    ChecksumError,
    FrameDecoder,
    GarbageError,
)
from kiosk.devices.idcard.transport import LinkLost, PortNotFound, Transport, TransportError


def fail(code: E.IdrCode, detail: str = "") -> Completion[Response]:
    return Completion.failure(code.outcome, code.code, code.message_key, detail)


@dataclass
class LinkStats:
    requests: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    timeouts: int = 0
    checksum_errors: int = 0
    garbage_bytes: int = 0


class ReaderLink:
    """The protocol layer: frames over a transport, answers with their SW3 status mapped."""

    def __init__(self, transport: Transport, max_length: int = DEFAULT_MAX_LENGTH,
                 read_slice_s: float = 0.05, baudrate: int = 115200, frame_margin_s: float = 0.5) -> None:
        self.transport = transport
        self.decoder = FrameDecoder(max_length)
        self.read_slice_s = read_slice_s
        self.byte_time_s = 10.0 / baudrate  # 8N1: 10 bits a byte
        self.frame_margin_s = frame_margin_s
        self.stats = LinkStats()

    def exchange(self, command: Command, timeout_s: float,
                 token: CancelToken = NEVER_CANCELLED) -> Completion[Response]:
        """Send one request and wait for one answer frame (any SW3).

        Graded: ``timeout_s`` bounds the wait for the answer's header (the reader's own work, RF
        time for a read); once the header says how long the frame is, the rest must arrive within
        twice its wire time plus ``frame_margin_s`` — a stalled answer is seen early.
        """
        self.stats.requests += 1
        garbage = 0
        length_errors = 0
        body_deadline_set = False
        try:
            self.transport.discard_input()
            self.decoder.reset()
            request = command.frame()
            self.transport.write(request)
            self.stats.bytes_out += len(request)
            deadline = time.monotonic() + timeout_s
            while True:
                if token.cancelled:
                    return fail(E.CANCELED, f"{command.name}: canceled")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                chunk = self.transport.read(self.decoder.wanted(), min(self.read_slice_s, remaining))
                if not chunk:
                    continue
                self.stats.bytes_in += len(chunk)
                items = self.decoder.feed(chunk)
                if not body_deadline_set and self.decoder.in_frame and self.decoder.buffered >= HEADER_LEN:
                    body_deadline_set = True
                    deadline = (time.monotonic() + self.decoder.wanted() * self.byte_time_s * 2
                                + self.frame_margin_s)
                for item in items:
                    if isinstance(item, GarbageError):
                        garbage += item.count
                        self.stats.garbage_bytes += item.count
                    elif isinstance(item, ChecksumError):
                        self.stats.checksum_errors += 1
                        return fail(E.BAD_CHECKSUM, f"{command.name}: {item}")
                    elif isinstance(item, Exception):
                        length_errors += 1
                    else:
                        try:
                            return Completion.success(Response.from_payload(item))
                        except AnswerFormatError as e:
                            return fail(E.MALFORMED, f"{command.name}: {e}")
        except PortNotFound as e:
            return fail(E.PORT_GONE, str(e))
        except LinkLost as e:
            return fail(E.IO_ERROR, str(e))
        except TransportError as e:
            return fail(E.PORT_DENIED, str(e))
        self.stats.timeouts += 1
        if self.decoder.in_frame:
            return fail(E.INCOMPLETE, f"{command.name}: {self.decoder.buffered} byte(s) of a frame, then silence")
        if garbage or length_errors:
            return fail(E.GARBLED, f"{command.name}: {garbage} garbage byte(s), {length_errors} bad length(s)")
        return fail(E.NO_ANSWER, f"{command.name}: no answer in {timeout_s:.2f}s")

    def command(self, command: Command, timeout_s: float, token: CancelToken = NEVER_CANCELLED,
                ok: Collection[int] = (E.SW3_SUCCESS,)) -> Completion[Response]:
        """Like :meth:`exchange`, and an SW3 outside ``ok`` becomes its mapped failure."""
        result = self.exchange(command, timeout_s, token)
        if not result.ok:
            return result
        response = result.value
        assert response is not None
        if response.sw1 != 0 or response.sw2 != 0:
            return fail(E.BAD_SW, f"{command.name}: SW1 SW2 = {response.sw1:02X} {response.sw2:02X}")
        if response.sw3 not in ok:
            code = E.for_sw3(response.sw3)
            return fail(code, f"{command.name}: SW3 {response.sw3:02X}")
        return result
