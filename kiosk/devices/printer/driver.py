"""The receipt printer driver: a device object on the common model (kiosk.devices.base).

All methods do I/O and run on the printer's :class:`~kiosk.devices.runner.DeviceRunner` thread;
``poll`` is its idle task. A job checks the status before the first byte ("know before promising
a printout"), between chunks (paper can run out mid-job), and ends with the GS r 1 fence so
"printed" means the printer got through the buffered data.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from kiosk.config import PrinterConfig
from kiosk.devices.base import (
    CancelToken,
    Capabilities,
    Completion,
    DeviceEvent,
    DeviceState,
    DeviceStatus,
    Outcome,
    StatusHolder,
)
from kiosk.devices.printer import errors
from kiosk.devices.printer.escpos import dle_eot
from kiosk.devices.printer.layout import ReceiptData, build_receipt
from kiosk.devices.printer.profiles import PrinterProfile
from kiosk.devices.printer.protocol import EscPosProtocol, Replies
from kiosk.devices.printer.status import PrinterCondition, StatusShapeError, parse_status
from kiosk.devices.printer.transport import LinkError, SerialLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintReport:
    bytes_sent: int
    seconds: float
    wire_seconds: float  # the bytes' time on the wire at the configured baud rate
    status_checks: int
    lossy_characters: int
    condition: PrinterCondition


def _message_key(code: str | None) -> str | None:
    return f"printer.status.{code.replace('-', '_')}" if code else None


class ReceiptPrinter:
    def __init__(self, config: PrinterConfig, profile: PrinterProfile, *, port: str | None = None,
                 name: str = "printer") -> None:
        self.name = name
        self.config = config
        self.profile = profile
        self.link = SerialLink(port or config.port, config.baudrate, rtscts=config.rtscts)
        self.protocol = EscPosProtocol(self.link, config.baudrate)
        self.status_holder = StatusHolder()
        self.condition: PrinterCondition | None = None
        features = {"receipt", "status_realtime", "cut"}
        if profile.native_qr:
            features.add("native_qr")
        if profile.partial_cut:
            features.add("partial_cut")
        if profile.dle_eot_3:
            features.add("status_cutter")
        self._capabilities = Capabilities(
            "printer", profile.name, frozenset(features),
            {"paper_mm": profile.paper_mm, "dots": profile.dots, "chars_per_line": profile.chars_per_line,
             "encoding": profile.encoding})

    # --- the device model ------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    @property
    def status_ns(self) -> tuple[int, ...]:
        return (1, 2, 3, 4) if self.profile.dle_eot_3 else (1, 2, 4)

    def open(self) -> Completion[None]:
        try:
            self.link.open()
        except LinkError as e:
            self._set_absent(errors.PORT_ERROR)
            return Completion.failure(Outcome.HARDWARE_ERROR, errors.PORT_ERROR, _message_key(errors.PORT_ERROR),
                                      str(e))
        result = self.refresh_status()
        if result.outcome is Outcome.HARDWARE_ERROR and result.error_code in (errors.NO_REPLY, errors.PORT_ERROR):
            self.link.close()
            return Completion.failure(result.outcome, result.error_code, result.message_key, result.detail)
        return Completion.success(None)

    def close(self) -> None:
        self.link.close()
        if self.status.state is not DeviceState.NO_DEVICE:
            self._set_absent(None)

    def _set_absent(self, code: str | None) -> None:
        self.condition = None
        self.status_holder.set_status(DeviceStatus(DeviceState.NO_DEVICE, error_code=code,
                                                   message_key=_message_key(code)))

    def _publish(self, cond: PrinterCondition, *, busy: bool = False) -> None:
        old = self.condition
        self.condition = cond
        state = cond.state
        if busy and state is DeviceState.ONLINE:
            state = DeviceState.BUSY
        self.status_holder.set_status(DeviceStatus(state, cond.as_detail(), cond.error_code, cond.message_key))
        if old is not None and old.paper != cond.paper and cond.paper != "ok":
            self.status_holder.emit(DeviceEvent(f"paper_{cond.paper}", summary={"paper": cond.paper}))

    # --- status ----------------------------------------------------------------------------------
    def _status_timeout(self, bytes_in_flight: int = 0) -> float:
        return self.config.status_timeout_s + 1.5 * self.protocol.wire_time(bytes_in_flight)

    def _read_condition(self, bytes_in_flight: int = 0, token: CancelToken | None = None,
                        ) -> Completion[PrinterCondition]:
        """One real-time status round (with one retry); does not publish."""
        last_detail = ""
        for _attempt in range(2):
            try:
                replies = self.protocol.query_status(self.status_ns, self._status_timeout(bytes_in_flight),
                                                     token=token)
            except LinkError as e:
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.PORT_ERROR,
                                          _message_key(errors.PORT_ERROR), str(e))
            if replies is None:
                if token is not None and token.cancelled:
                    return Completion.failure(Outcome.CANCELED, errors.JOB_CANCELED,
                                              _message_key(errors.JOB_CANCELED), "canceled")
                last_detail = "no status reply"
                continue
            try:
                return Completion.success(parse_status(replies))
            except StatusShapeError as e:
                last_detail = str(e)
                continue
        code = errors.NO_REPLY if last_detail == "no status reply" else errors.GARBLED
        return Completion.failure(Outcome.HARDWARE_ERROR, code, _message_key(code), last_detail)

    def refresh_status(self, token: CancelToken | None = None) -> Completion[PrinterCondition]:
        result = self._read_condition(token=token)
        if result.ok:
            assert result.value is not None
            self._publish(result.value)
        elif result.outcome is Outcome.CANCELED:
            pass  # nothing was learnt about the printer: its status stays what it was
        elif result.error_code in (errors.NO_REPLY, errors.PORT_ERROR):
            self._set_absent(result.error_code)
        else:
            self.status_holder.set_status(self.status.with_state(
                DeviceState.HARDWARE_ERROR, error_code=result.error_code, message_key=result.message_key))
        return result

    def poll(self, token: CancelToken) -> float:
        """The runner's idle task: one status round, then wait ``poll_interval_s``.

        The round is not given ``token``: a job submitted meanwhile cancels it, and a round cut
        short leaves its answer on the wire, where the job's own status check would read it — a
        "paper out" from before the technician loaded paper failed the citizen's receipt. A round
        is short (two ``status_timeout_s`` at most), the job waits for it."""
        if self.link.is_open:
            self.refresh_status()
        return self.config.poll_interval_s

    def check_ready(self, token: CancelToken | None = None) -> Completion[PrinterCondition]:
        """Can a receipt be printed right now? (Ask before promising one to the citizen.)"""
        result = self.refresh_status(token)
        if not result.ok:
            return result
        cond = result.value
        assert cond is not None
        if not cond.printable:
            return Completion.failure(Outcome.NOT_READY, cond.error_code, cond.message_key, f"printer {cond.state}")
        return result

    # --- jobs ------------------------------------------------------------------------------------
    def print_receipt(self, data: ReceiptData, token: CancelToken, *, language: str = "zh_CN",
                      reprinted_at: datetime | None = None) -> Completion[PrintReport]:
        """One slip; ``reprinted_at`` makes it a reprint (补打) carrying the copy mark."""
        builder = build_receipt(data, self.profile, language=language, reprinted_at=reprinted_at)
        return self.print_chunks(builder.chunks(self.config.chunk_bytes), token,
                                 lossy_characters=builder.lossy_characters)

    def print_chunks(self, chunks: list[bytes], token: CancelToken, *, lossy_characters: int = 0,
                     ) -> Completion[PrintReport]:
        """Send a job split at command boundaries (:meth:`EscPosBuilder.chunks`).

        Each chunk goes out followed by a real-time status request; the reply to chunk k is read
        while chunk k+1 is on the wire, so the checks cost almost no wire time."""
        started = time.monotonic()
        if token.cancelled:
            return self._end_failed(Outcome.CANCELED, errors.JOB_CANCELED, "canceled before the job")
        if not self.link.is_open:
            return Completion.failure(Outcome.NOT_READY, errors.NO_REPLY, _message_key(errors.NO_REPLY), "port closed")
        ready = self.check_ready(token)
        if not ready.ok:
            return ready  # type: ignore[return-value]
        self._publish(ready.value or PrinterCondition(), busy=True)
        checks = 1
        query = b"".join(dle_eot(n) for n in self.status_ns)
        total = sum(len(c) for c in chunks)
        previous = 0
        try:
            for piece in chunks:
                if token.cancelled:
                    return self._end_failed(Outcome.CANCELED, errors.JOB_CANCELED, "canceled mid-job")
                self.protocol.send(piece + query)
                if previous:
                    fail = self._check_mid_job(previous + len(piece), token)
                    checks += 1
                    if fail is not None:
                        return fail
                previous = len(piece) + len(query)
            if previous:
                fail = self._check_mid_job(previous, token)
                checks += 1
                if fail is not None:
                    return fail
            # The fence only now: its answer must not arrive while a status check reads (which
            # would drop it as noise and leave the job waiting for a fence already answered).
            self.protocol.send_fence()
            fence_fail, fence_checks = self._wait_fence(total, token)
            checks += fence_checks
            if fence_fail is not None:
                return fence_fail
        except LinkError as e:
            self._set_absent(errors.PORT_ERROR)
            return Completion.failure(Outcome.HARDWARE_ERROR, errors.PORT_ERROR, _message_key(errors.PORT_ERROR),
                                      str(e))
        cond = self.condition or PrinterCondition()
        self._publish(cond)  # BUSY → ONLINE
        report = PrintReport(total, time.monotonic() - started, self.protocol.wire_time(total),
                             checks, lossy_characters, cond)
        log.info("receipt printed", extra={"fields": {
            "device": self.name, "bytes": report.bytes_sent, "seconds": round(report.seconds, 3),
            "wire_seconds": round(report.wire_seconds, 3), "status_checks": checks,
            "lossy_characters": lossy_characters}})
        if lossy_characters:
            log.warning("characters lost to the printer encoding", extra={"fields": {
                "device": self.name, "error_code": errors.ENCODING_LOSS, "count": lossy_characters}})
        return Completion.success(report)

    def _check_mid_job(self, bytes_in_flight: int, token: CancelToken) -> Completion[PrintReport] | None:
        ns = self.status_ns
        r = self.protocol.collect(Replies(), want_status=len(ns), want_fence=False,
                                  deadline=time.monotonic() + self._status_timeout(bytes_in_flight), token=token)
        if len(r.status) < len(ns) and not token.cancelled:
            # Late is not gone (a loaded host, a congested USB-serial adapter): ask once more, as
            # the idle status round does, before calling the printer absent. Answers come in
            # order, so the first complete set read is still the one for this chunk.
            self.link.write(b"".join(dle_eot(n) for n in ns))
            self.protocol.collect(r, want_status=len(ns), want_fence=False,
                                  deadline=time.monotonic() + self._status_timeout(), token=token)
        cond: Completion[PrinterCondition]
        if len(r.status) < len(ns):
            cond = Completion.failure(Outcome.HARDWARE_ERROR, errors.NO_REPLY, None, "no status reply mid-job")
        else:
            try:
                cond = Completion.success(parse_status(dict(zip(ns, r.status, strict=True))))
            except StatusShapeError as e:
                cond = Completion.failure(Outcome.HARDWARE_ERROR, errors.GARBLED, None, str(e))
        return self._mid_job_failure(cond, token)

    def _mid_job_failure(self, cond: Completion[PrinterCondition], token: CancelToken,
                         ) -> Completion[PrintReport] | None:
        if token.cancelled:
            return self._end_failed(Outcome.CANCELED, errors.JOB_CANCELED, "canceled mid-job")
        if not cond.ok:
            if cond.error_code in (errors.NO_REPLY, errors.PORT_ERROR):
                self._set_absent(cond.error_code)
            return Completion.failure(Outcome.HARDWARE_ERROR, errors.FAULT_MID_JOB,
                                      _message_key(errors.FAULT_MID_JOB), f"{cond.error_code}: {cond.detail}")
        assert cond.value is not None
        self._publish(cond.value, busy=True)
        if not cond.value.printable:
            outcome = Outcome.USER_ERROR if cond.value.state is DeviceState.USER_ERROR else Outcome.HARDWARE_ERROR
            return Completion.failure(outcome, errors.FAULT_MID_JOB, _message_key(errors.FAULT_MID_JOB),
                                      f"{cond.value.error_code} during the job")
        return None

    def _wait_fence(self, total_bytes: int, token: CancelToken) -> tuple[Completion[PrintReport] | None, int]:
        """Wait for the reply to the GS r 1 sent after the last chunk (one per job: a second one's
        answer would be left for the next job to take as its own), checking status meanwhile."""
        deadline = time.monotonic() + self.config.fence_timeout_s + 1.5 * self.protocol.wire_time(total_bytes)
        replies = Replies()
        checks = 0
        ns = self.status_ns
        while True:
            self.protocol.collect(replies, want_status=0, want_fence=True,
                                  deadline=min(deadline, time.monotonic() + 0.25), token=token)
            if replies.fence is not None:
                return None, checks
            if token.cancelled:
                return self._end_failed(Outcome.CANCELED, errors.JOB_CANCELED, "canceled at the fence"), checks
            if time.monotonic() >= deadline:
                return Completion.failure(Outcome.TIMEOUT, errors.FENCE_TIMEOUT, _message_key(errors.FENCE_TIMEOUT),
                                          "no GS r reply"), checks
            # Still printing: is it stuck on a fault? (No input flush: the fence reply may be on its way.)
            self.link.write(b"".join(dle_eot(n) for n in ns))
            r = self.protocol.collect(replies, want_status=len(ns), want_fence=True,
                                      deadline=time.monotonic() + self._status_timeout(), token=token)
            got = r.status[:len(ns)]
            r.status.clear()
            checks += 1
            if len(got) == len(ns):
                try:
                    cond = parse_status(dict(zip(ns, got, strict=True)))
                except StatusShapeError:
                    continue
                fail = self._mid_job_failure(Completion.success(cond), token)
                if fail is not None:
                    return fail, checks
            if replies.fence is not None:
                return None, checks

    def _end_failed(self, outcome: Outcome, code: str, detail: str) -> Completion[PrintReport]:
        return Completion.failure(outcome, code, _message_key(code), detail)
