"""The ID-card reader driver: the device interface, the poll loop, commands as typed completions.

All I/O happens on the caller's thread — the :class:`~kiosk.devices.runner.DeviceRunner`'s device
thread in the app (``runner.set_idle_task(reader.poll)``), the technician CLI's own thread. The
driver knows nothing of Qt; it reports through its :class:`StatusHolder`:

- status changes: the common state (online, noDevice, hardwareError, userError) with an IDR code,
  and ``detail`` = phase, card_present, sam_id, port;
- events: ``card_detected`` (find answered: keep the card still), ``card_read`` (payload
  :class:`CardRead`, summary masked), ``read_failed`` (payload :class:`ReadFailure`),
  ``card_removed``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from kiosk.config import IdCardReaderConfig
from kiosk.devices.base import (
    NEVER_CANCELLED,
    CancelToken,
    Capabilities,
    Completion,
    DeviceEvent,
    DeviceState,
    DeviceStatus,
    StatusHolder,
)
from kiosk.devices.idcard import commands as C
from kiosk.devices.idcard import errors as E
from kiosk.devices.idcard.identity import CardRead
from kiosk.devices.idcard.link import ReaderLink, fail
from kiosk.devices.idcard.parser import (
    CardParseError,
    UnknownCardTypeError,
    parse_appended_address,
    parse_text,
)
from kiosk.devices.idcard.photo import NoWltDecoder, WltDecoder, load_decoder
from kiosk.devices.idcard.serial_transport import SerialTransport
from kiosk.devices.idcard.states import Phase, next_phase
from kiosk.devices.idcard.transport import PortNotFound, Transport, TransportError

log = logging.getLogger(__name__)

# Link failures worth sending the same request again for.
RETRYABLE = frozenset({E.BAD_CHECKSUM.code, E.GARBLED.code, E.INCOMPLETE.code, E.NO_ANSWER.code,
                       E.MALFORMED.code})
LINK_GONE_STATES = (DeviceState.NO_DEVICE,)


@dataclass(frozen=True)
class ReadFailure:
    """Payload of a ``read_failed`` event: what the screen tells the person, what the log keeps."""

    error_code: str | None
    message_key: str | None
    detail: str = ""


class IdCardReader:
    """A GA 467 style SAM reader on any :class:`Transport` (serial by default)."""

    def __init__(self, config: IdCardReaderConfig, transport: Transport | None = None,
                 photo_decoder: WltDecoder | None = None, name: str = "idcard") -> None:
        self.name = name
        self.config = config
        self.transport = transport or SerialTransport(config.port, config.baudrate)
        self.link = ReaderLink(self.transport, baudrate=config.baudrate, frame_margin_s=config.frame_margin_s)
        self.photo_decoder: WltDecoder = photo_decoder or load_decoder(
            config.wlt_library, config.wlt_symbol, config.wlt_output_size, config.wlt_success_code)
        self.status_holder = StatusHolder(DeviceStatus(DeviceState.NO_DEVICE).with_detail(
            phase=str(Phase.CLOSED), card_present=False, sam_id=None, port=config.port))
        self._phase = Phase.CLOSED
        self._phase_lock = threading.Lock()
        self._sam_id: str | None = None
        self._read_command = C.READ_WITH_FINGERPRINT if config.with_fingerprint else C.READ_BASE
        self._appended_command = C.parse_command_bytes(config.appended_address_command,
                                                       "read_appended_address")

    # --- the device interface ----------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        features = {"resident_card", "foreigner_card_2017", "foreigner_card_2023", "residence_permit"}
        if self.config.with_fingerprint:
            features.add("fingerprint")
        if self.config.read_appended_address:
            features.add("appended_address")
        if not isinstance(self.photo_decoder, NoWltDecoder):
            features.add("photo")
        return Capabilities("idcard", model="GA467-SAM", features=frozenset(features),
                            detail={"port": self.config.port, "baudrate": self.config.baudrate,
                                    "photo_decoder": self.photo_decoder.name})

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def sam_id(self) -> str | None:
        return self._sam_id

    def open(self) -> Completion[None]:
        if self._phase is not Phase.CLOSED:
            self.transport.close()
            self._set_phase(Phase.CLOSED)
        self._set_phase(Phase.OPENING)
        try:
            self.transport.open()
        except PortNotFound as e:
            return self._open_failed(fail(E.PORT_GONE, str(e)))
        except TransportError as e:
            return self._open_failed(fail(E.PORT_DENIED, str(e)))
        if self.config.reset_on_open:
            reset = self._command(C.RESET_SAM, self.config.command_timeout_s)
            if not reset.ok:
                return self._open_failed(reset)
        status = self._command(C.SAM_STATUS, self.config.command_timeout_s)
        if not status.ok:
            return self._open_failed(status)
        sam = self.read_sam_id()
        self._sam_id = sam.value if sam.ok else None
        self._set_phase(Phase.WAITING)
        self._set_status(DeviceState.ONLINE, card_present=False, sam_id=self._sam_id)
        return Completion.success(None)

    def close(self) -> None:
        self.transport.close()
        self._set_phase(Phase.CLOSED)
        state = self.status.state
        if state is not DeviceState.NO_DEVICE:
            self._set_status(DeviceState.OFFLINE, card_present=False)
        else:
            self.status_holder.update(phase=str(Phase.CLOSED), card_present=False)

    # --- commands (each returns one typed completion) ------------------------------------------
    def reset_sam(self, token: CancelToken = NEVER_CANCELLED) -> Completion[None]:
        return self._command(C.RESET_SAM, self.config.command_timeout_s, token).map(lambda _: None)

    def sam_status(self, token: CancelToken = NEVER_CANCELLED) -> Completion[None]:
        return self._command(C.SAM_STATUS, self.config.command_timeout_s, token).map(lambda _: None)

    def read_sam_id(self, token: CancelToken = NEVER_CANCELLED) -> Completion[str]:
        result = self._command(C.SAM_ID, self.config.command_timeout_s, token)
        if not result.ok:
            return result.map(lambda _: "")
        data = result.value.data if result.value else b""
        if len(data) != 16:
            return fail(E.MALFORMED, f"SAM id of {len(data)} bytes, expected 16").map(lambda _: "")
        return Completion.success(data.hex().upper())

    def find_card(self, token: CancelToken = NEVER_CANCELLED) -> Completion[bool]:
        """True when a card answered (9F); False when none is in the field (80)."""
        result = self._command(C.FIND_CARD, self.config.find_timeout_s, token, ok=(E.SW3_CARD_FOUND,))
        if result.ok:
            return Completion.success(True)
        if result.error_code == E.SW3_NO_CARD.code:
            return Completion.success(False)
        return result.map(lambda _: False)

    def read_card(self, token: CancelToken = NEVER_CANCELLED, wait_s: float = 0.0) -> Completion[CardRead]:
        """Wait up to ``wait_s`` for a card, then select and read it (no events; for jobs and the CLI)."""
        deadline = time.monotonic() + wait_s
        while True:
            found = self.find_card(token)
            if not found.ok:
                return found.map(_never)
            if found.value:
                return self._read_present_card(token)
            if time.monotonic() >= deadline:
                return fail(E.SW3_NO_CARD, "no card in the field").map(_never)
            if token.wait(min(self.config.poll_interval_s, max(0.0, deadline - time.monotonic()))):
                return fail(E.CANCELED, "read canceled").map(_never)

    # --- the poll loop (the runner's idle task) ------------------------------------------------
    def poll(self, token: CancelToken = NEVER_CANCELLED) -> float:
        """One step of find → select → read → wait for removal → re-arm; returns the next wait."""
        cfg = self.config
        phase = self._phase
        if phase is Phase.FAULT:
            probe = self._command(C.SAM_STATUS, cfg.command_timeout_s)
            if probe.ok:
                self._set_phase(Phase.WAITING)
                self._set_status(DeviceState.ONLINE, card_present=False)
                return 0.0
            self._link_failure(probe)
            return cfg.fault_poll_interval_s
        if phase is Phase.WAITING:
            found = self.find_card()
            if not found.ok:
                self._link_failure(found)
                return cfg.fault_poll_interval_s if self._phase is Phase.FAULT else cfg.poll_interval_s
            if not found.value:
                if self.status.state is not DeviceState.ONLINE:
                    self._set_status(DeviceState.ONLINE)
                return cfg.poll_interval_s
            self._set_phase(Phase.READING)
            self.status_holder.update(phase=str(Phase.READING), card_present=True)
            self.status_holder.emit(DeviceEvent("card_detected"))
            # Not the idle token: the runner cancels it whenever a job is queued, and a queued
            # job must not abort a card half read. The read is bounded by its own timeouts.
            result = self._read_present_card(NEVER_CANCELLED)
            self._after_read(result)
            return cfg.removal_poll_interval_s if self._phase is Phase.CARD_READ else cfg.poll_interval_s
        if phase is Phase.CARD_READ:
            present = self._card_still_present()
            if not present.ok:
                self._link_failure(present)
                return cfg.fault_poll_interval_s
            if present.value:
                return cfg.removal_poll_interval_s
            self._set_phase(Phase.WAITING)
            self._set_status(DeviceState.ONLINE, card_present=False)
            self.status_holder.emit(DeviceEvent("card_removed"))
            return cfg.poll_interval_s
        return cfg.poll_interval_s  # closed/opening: the runner reopens

    def diagnostics(self) -> dict[str, Any]:
        s, d = self.link.stats, self.link.decoder.stats
        return {"phase": str(self._phase), "sam_id": self._sam_id, "requests": s.requests,
                "bytes_out": s.bytes_out, "bytes_in": s.bytes_in, "timeouts": s.timeouts,
                "checksum_errors": s.checksum_errors, "garbage_bytes": s.garbage_bytes,
                "frames": d.frames, "length_errors": d.length_errors,
                "photo_decoder": self.photo_decoder.name}

    # --- internals ------------------------------------------------------------------------------
    def _command(self, command: C.Command, timeout_s: float, token: CancelToken = NEVER_CANCELLED,
                 ok: Collection[int] = (E.SW3_SUCCESS,), retries: int | None = None) -> Completion[C.Response]:
        attempts = 1 + (self.config.retries if retries is None else retries)
        result: Completion[C.Response] = fail(E.NO_ANSWER)
        for _ in range(attempts):
            result = self.link.command(command, timeout_s, token, ok)
            if result.ok or result.error_code not in RETRYABLE or token.cancelled:
                break
        return result

    def _read_present_card(self, token: CancelToken) -> Completion[CardRead]:
        cfg = self.config
        started = time.monotonic()
        select = self._command(C.SELECT_CARD, cfg.select_timeout_s, token)
        if not select.ok:
            return select.map(_never)
        # No link-level re-send of a read: once the answer left the reader the card may be halted.
        read = self._command(self._read_command, cfg.read_timeout_s, token, retries=0)
        tries = 0
        while not read.ok and read.error_code == "IDR-041" and tries < cfg.read_retries:
            tries += 1
            again = self._command(C.SELECT_CARD, cfg.select_timeout_s, token)
            if not again.ok:
                return self._read_interrupted(again)
            read = self._command(self._read_command, cfg.read_timeout_s, token, retries=0)
        if not read.ok:
            if read.error_code == "IDR-041":
                return self._read_interrupted(self._command(C.SELECT_CARD, cfg.select_timeout_s, token), read)
            return read.map(_never)
        assert read.value is not None
        try:
            blocks = C.split_read_data(read.value.data, cfg.with_fingerprint)
        except C.AnswerFormatError as e:
            return fail(E.MALFORMED, str(e)).map(_never)
        try:
            identity = parse_text(blocks.text)
        except UnknownCardTypeError as e:
            return fail(E.CARD_TYPE, str(e)).map(_never)
        except CardParseError as e:
            return fail(E.CARD_DATA, str(e)).map(_never)
        if cfg.read_appended_address:
            extra = self._command(self._appended_command, cfg.read_timeout_s, token,
                                  ok=(E.SW3_SUCCESS, E.SW3_NO_ITEM_BYTE))
            if extra.ok and extra.value is not None and extra.value.sw3 == E.SW3_SUCCESS:
                try:
                    identity = replace(identity, appended_address=parse_appended_address(extra.value.data))
                except CardParseError:
                    identity = replace(identity, problems=(*identity.problems, "appended_address"))
            elif not extra.ok:
                identity = replace(identity, problems=(*identity.problems, "appended_address"))
        photo = self.photo_decoder.decode(blocks.photo)
        return Completion.success(CardRead(
            identity=identity, photo=photo, photo_wlt=blocks.photo, fingerprint=blocks.fingerprint,
            elapsed_ms=int((time.monotonic() - started) * 1000), sam_id=self._sam_id))

    def _read_interrupted(self, select: Completion[C.Response],
                          read: Completion[C.Response] | None = None) -> Completion[CardRead]:
        """A read failed: was the card pulled away (select 81 / find 80) or is it unreadable?"""
        if not select.ok and select.error_code in ("IDR-081", "IDR-080"):
            return fail(E.REMOVED_EARLY, "card left the field during the read").map(_never)
        return (read or select).map(_never)

    def _card_still_present(self) -> Completion[bool]:
        if self.config.removal_probe == "find":
            found = self.find_card()
            return found
        sel = self._command(C.SELECT_CARD, self.config.select_timeout_s)
        if sel.ok:
            return Completion.success(True)
        if sel.error_code in ("IDR-081", "IDR-080"):
            return Completion.success(False)
        return sel.map(lambda _: False)

    def _after_read(self, result: Completion[CardRead]) -> None:
        if result.ok and result.value is not None:
            card = result.value
            self._set_phase(Phase.CARD_READ)
            self._set_status(DeviceState.ONLINE, card_present=True)
            self.status_holder.emit(DeviceEvent("card_read", card, card.summary()))
            return
        code = E.code(result.error_code) if result.error_code else E.NO_ANSWER
        failure = ReadFailure(result.error_code, result.message_key, result.detail)
        self.status_holder.emit(DeviceEvent("read_failed", failure,
                                            {"error_code": result.error_code, "detail": result.detail}))
        if code.device_state in LINK_GONE_STATES:
            self._link_failure(result)
            return
        self._set_phase(Phase.CARD_READ)  # wait for the card to leave before the next read
        state = code.device_state or DeviceState.USER_ERROR
        self._set_status(state, error_code=code.code, message_key=code.message_key, card_present=True)

    def _link_failure(self, result: Completion[Any]) -> None:
        """A probe or command failed at the link or reader level: noDevice or fault."""
        code = E.code(result.error_code) if result.error_code else E.NO_ANSWER
        if code.device_state in LINK_GONE_STATES:
            self.transport.close()
            self._set_phase(Phase.CLOSED)
            self._set_status(DeviceState.NO_DEVICE, error_code=code.code, message_key=code.message_key,
                             card_present=False)
            return
        if code.device_state is None:  # a card-level answer: the reader itself is fine
            return
        entering = self._phase is not Phase.FAULT
        self._set_phase(Phase.FAULT)
        self._set_status(code.device_state, error_code=code.code, message_key=code.message_key,
                         card_present=False)
        if entering:  # the status change is logged too; this adds the technician detail, once
            log.warning("reader fault", extra={"fields": {"device": self.name, "error_code": code.code,
                                                          "detail": result.detail}})

    def _open_failed(self, result: Completion[Any]) -> Completion[None]:
        code = E.code(result.error_code) if result.error_code else E.NO_ANSWER
        self.transport.close()
        self._set_phase(Phase.CLOSED)
        # Port missing: noDevice (the runner retries with backoff); reader present but not
        # answering or faulty: its own state, and the runner retries the open too.
        self._set_status(code.device_state or DeviceState.HARDWARE_ERROR, error_code=code.code,
                         message_key=code.message_key, card_present=False)
        return Completion.failure(result.outcome, code.code, code.message_key, result.detail)

    def _set_phase(self, target: Phase) -> None:
        with self._phase_lock:
            self._phase = next_phase(self._phase, target)
        if self.status.detail.get("phase") != str(target):
            self.status_holder.update(phase=str(target))

    def _set_status(self, state: DeviceState, *, error_code: str | None = None,
                    message_key: str | None = None, **detail: Any) -> None:
        new = self.status.with_state(state, error_code=error_code, message_key=message_key)
        new = new.with_detail(phase=str(self._phase), **detail)
        self.status_holder.set_status(new)


def _never(_: Any) -> CardRead:  # pragma: no cover - only mapped on failures
    raise AssertionError("mapped a failure's value")
