"""ESC/POS exchange over a :class:`SerialLink`: real-time status and the "job finished" fence.

Replies are told apart by shape, so a late or stray byte is never taken for an answer:
DLE EOT replies look like 0xx1xx10, the GS r 1 fence reply has bits 4 and 7 clear, anything else
is garbage (counted, skipped).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kiosk.devices.base import CancelToken
from kiosk.devices.printer.escpos import FENCE, dle_eot
from kiosk.devices.printer.status import is_fence_reply, is_status_byte
from kiosk.devices.printer.transport import SerialLink


@dataclass
class Replies:
    status: list[int] = field(default_factory=list)
    fence: int | None = None
    garbage: int = 0


class EscPosProtocol:
    def __init__(self, link: SerialLink, baudrate: int) -> None:
        self.link = link
        self.byte_time_s = 10.0 / baudrate
        self.garbage_total = 0

    def wire_time(self, nbytes: int) -> float:
        return nbytes * self.byte_time_s

    def send(self, data: bytes) -> None:
        self.link.write(data)

    def collect(self, replies: Replies, *, want_status: int, want_fence: bool, deadline: float,
                token: CancelToken | None = None) -> Replies:
        """Read until ``want_status`` status bytes (and the fence reply if wanted) or the deadline."""
        while len(replies.status) < want_status or (want_fence and replies.fence is None):
            left = deadline - time.monotonic()
            if left <= 0 or (token is not None and token.cancelled):
                break
            data = self.link.read(16, min(left, 0.05))
            for b in data:
                if is_status_byte(b) and len(replies.status) < want_status:
                    replies.status.append(b)
                elif want_fence and replies.fence is None and is_fence_reply(b):
                    replies.fence = b
                else:
                    replies.garbage += 1
                    self.garbage_total += 1
        return replies

    def query_status(self, ns: tuple[int, ...], timeout_s: float, *, flush: bool = True,
                     token: CancelToken | None = None) -> dict[int, int] | None:
        """Ask DLE EOT n for each n; the replies by n, or None when not all arrived in time."""
        if flush:
            self.link.discard_input()
        self.link.write(b"".join(dle_eot(n) for n in ns))
        r = self.collect(Replies(), want_status=len(ns), want_fence=False,
                         deadline=time.monotonic() + timeout_s, token=token)
        if len(r.status) < len(ns):
            return None
        return dict(zip(ns, r.status, strict=True))

    def send_fence(self) -> None:
        self.link.write(FENCE)
