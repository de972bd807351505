"""The PC/SC card-reader device: status, card events, and one exclusive session per read.

Threading: everything here runs on the DeviceRunner's thread. ``poll`` is the runner's idle task
(``SCardGetStatusChange`` with a short timeout on a context of its own), the read methods are runner
jobs. A card session (transport.CardSession) does its blocking PC/SC calls on a helper thread with
a deadline, so a mute card cannot hold the device thread.

State machine (status.state): noDevice (no service / no reader) → online (reader present) ⇄
deviceBusy (a session is open). ``detail.media`` is present / absent / mute / unknown. A dead
pcscd makes the state noDevice, which the runner's supervision turns into close + reopen with
backoff; reopening re-establishes the context and re-reports the card.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from kiosk.config import SmartCardConfig
from kiosk.devices.base import (
    NEVER_CANCELLED,
    CancelToken,
    Capabilities,
    Completion,
    DeviceEvent,
    DeviceState,
    DeviceStatus,
    Outcome,
    StatusHolder,
)
from kiosk.devices.smartcard import emv, ssc, staffcard
from kiosk.devices.smartcard.apdu import ApduChannel, ChannelStats
from kiosk.devices.smartcard.errors import (
    NO_READER,
    READER_GONE,
    SSC_TERMINAL_AUTH,
    CardFault,
    CardMute,
    ReaderGone,
    ServiceGone,
    UnknownCard,
)
from kiosk.devices.smartcard.transport import (
    CardSession,
    ReaderState,
    SessionTimeouts,
    StatusWatch,
    _CallThread,
    choose_reader,
    establish_context,
    list_readers,
    release_context,
)
from kiosk.devices.smartcard.vendor_sdk import VendorSdk

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardReading:
    """What ``identify`` found: exactly one of the three fields is set."""

    kind: str  # bank / social_security / staff
    bank: emv.BankCard | None = None
    social_security: ssc.SocialSecurityCard | None = None
    staff: staffcard.StaffCardIdentity | None = None

    def summary(self) -> dict[str, object]:
        value = self.bank or self.social_security or self.staff
        return value.summary() if value is not None else {"kind": self.kind}

    def masked(self) -> dict[str, Any]:
        if self.bank is not None:
            return {"kind": self.kind, **self.bank.masked()}
        if self.social_security is not None:
            return {"kind": self.kind, **self.social_security.masked()}
        if self.staff is not None:
            return {"kind": self.kind, "staff_id": self.staff.staff_id, "role": self.staff.role}
        return {"kind": self.kind}


class SmartCardReader:
    def __init__(self, config: SmartCardConfig, *, keyring: staffcard.StaffKeyring | None = None,
                 vendor_sdk: VendorSdk | None = None, name: str = "smartcard",
                 preferred_reader: str = "") -> None:
        self.name = name
        self.config = config
        self.keyring = keyring
        self.vendor_sdk = vendor_sdk
        self.preferred_reader = config.reader or preferred_reader
        self.status_holder = StatusHolder(DeviceStatus(DeviceState.NO_DEVICE))
        self.timeouts = SessionTimeouts(config.connect_timeout_s, config.apdu_timeout_s)
        self.terminal = emv.TerminalParams(currency_code=config.currency_code, country_code=config.country_code)
        self.reader_name: str | None = None
        self.last_stats: ChannelStats | None = None
        self._ctx: int | None = None
        self._watch: StatusWatch | None = None
        self._present: bool | None = None
        self.last_fault_detail = ""

    # --- Device protocol -----------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        features = {"contact", "contactless", "bank_card", "social_security_card", "staff_card",
                    "card_events", "exclusive_read"}
        if self.vendor_sdk is not None:
            features.add("ssc_terminal_auth")
        return Capabilities("smartcard", model=self.reader_name or "pcsc", features=frozenset(features),
                            detail={"reader": self.reader_name or ""})

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    def open(self) -> Completion[None]:
        self.close_context()
        try:
            ctx = establish_context()
        except CardFault as f:
            return self._no_device(f)
        try:
            reader = choose_reader(list_readers(ctx), self.preferred_reader)
        except CardFault as f:
            release_context(ctx)
            return self._no_device(f)
        if reader is None:
            release_context(ctx)
            code = READER_GONE if self.preferred_reader else NO_READER
            return self._no_device(ReaderGone("no matching reader", code=code))
        self._ctx, self.reader_name = ctx, reader
        self._watch = StatusWatch(ctx, reader)
        self._present = None
        self.status_holder.set_status(DeviceStatus(DeviceState.ONLINE).with_detail(
            reader=reader, media="unknown"))
        return Completion.success(None)

    def close(self) -> None:
        self.close_context()
        if self.status.state.usable:
            self.status_holder.update(DeviceState.OFFLINE)

    def close_context(self) -> None:
        if self._ctx is not None:
            release_context(self._ctx)
        self._ctx, self._watch = None, None

    def _no_device(self, fault: CardFault) -> Completion[None]:
        self.last_fault_detail = fault.detail
        self.status_holder.update(DeviceState.NO_DEVICE, error_code=fault.code.code,
                                  message_key=fault.message_key, media="unknown")
        return Completion.failure(Outcome.NOT_READY, fault.code.code, fault.message_key, fault.detail)

    # --- the idle task: card and reader events -----------------------------------------------
    def poll(self, token: CancelToken) -> float:
        """Wait up to ``poll_interval_s`` for a change; returns the delay before the next call."""
        if self._watch is None:
            return 0.5
        try:
            state, _readers_changed = self._watch.wait(int(self.config.poll_interval_s * 1000))
        except CardFault as f:
            log.warning("card reader lost", extra={"fields": {"device": self.name, "error_code": f.code.code,
                                                               "detail": f.detail}})
            self._no_device(f)
            return 0.0
        if state is not None:
            self._on_reader_state(state, token)
        return 0.0

    def _on_reader_state(self, state: ReaderState, token: CancelToken) -> None:
        present = state.present
        self.status_holder.update(media="mute" if present and state.mute else ("present" if present else "absent"))
        if present == self._present:
            return
        first_look = self._present is None
        self._present = present
        if not present:
            if first_look:
                return  # an empty reader at start-up is not a removal
            self.status_holder.emit(DeviceEvent("card_removed", None, {"reader": self.reader_name}))
            return
        contactless = emv.is_contactless_atr(state.atr)
        self.status_holder.emit(DeviceEvent(
            "card_inserted", {"reader": self.reader_name, "atr": state.atr.hex().upper()},
            {"reader": self.reader_name, "contactless": contactless}))
        if self.config.auto_identify and not state.mute:
            reading = self.identify(token)
            summary: dict[str, Any] = {"outcome": str(reading.outcome), "error_code": reading.error_code}
            if reading.value is not None:
                summary.update(reading.value.summary())
            self.status_holder.emit(DeviceEvent("card_identified", reading, summary))

    # --- reads (runner jobs) -------------------------------------------------------------------
    def read_bank_card(self, token: CancelToken = NEVER_CANCELLED) -> Completion[emv.BankCard]:
        return self._session(token, "bank", lambda ch, atr: emv.read_bank_card(
            ch, self.terminal, contactless=emv.is_contactless_atr(atr), now=dt.datetime.now()))

    def read_social_security_card(self, token: CancelToken = NEVER_CANCELLED) -> Completion[ssc.SocialSecurityCard]:
        result = self._session(token, "social_security", lambda ch, _atr: ssc.read_social_security_card(ch))
        if result.error_code == SSC_TERMINAL_AUTH.code and self.vendor_sdk is not None:
            return self._vendor_read()
        return result

    def authenticate_staff_card(self, token: CancelToken = NEVER_CANCELLED) -> Completion[staffcard.StaffCardIdentity]:
        """Read the staff card and prove it holds its provisioned key (challenge-response)."""
        return self._session(token, "staff", lambda ch, _atr: staffcard.authenticate(ch, self.keyring))

    def identify(self, token: CancelToken = NEVER_CANCELLED) -> Completion[CardReading]:
        """Find out what card this is and read it: social-security, staff, then bank."""
        def run(channel: ApduChannel, atr: bytes) -> CardReading:
            try:
                return CardReading("social_security", social_security=ssc.read_social_security_card(channel))
            except UnknownCard:
                pass
            try:
                return CardReading("staff", staff=staffcard.authenticate(channel, self.keyring))
            except UnknownCard:
                pass
            bank = emv.read_bank_card(channel, self.terminal, contactless=emv.is_contactless_atr(atr),
                                      now=dt.datetime.now())
            return CardReading("bank", bank=bank)

        result = self._session(token, "identify", run)
        if result.error_code == SSC_TERMINAL_AUTH.code and self.vendor_sdk is not None:
            return self._vendor_read().map(lambda card: CardReading("social_security", social_security=card))
        return result

    def _vendor_read(self) -> Completion[ssc.SocialSecurityCard]:
        sdk = self.vendor_sdk
        assert sdk is not None
        calls = _CallThread("vendor-sdk")
        try:
            card = calls.call(sdk.read_basic_info, self.config.read_timeout_s, "iReadCardBas")
        except CardFault as f:
            return Completion.failure(f.outcome, f.code.code, f.message_key, f.detail)
        finally:
            calls.stop()
        return Completion.success(card)

    def _session(self, token: CancelToken, what: str,
                 work: Callable[[ApduChannel, bytes], T]) -> Completion[T]:
        if self.reader_name is None or self._ctx is None:
            return Completion.failure(Outcome.NOT_READY, (self.status.error_code or NO_READER.code),
                                      "smartcard.error_reader", f"{what}: reader not open")
        session = CardSession(self.reader_name, self.timeouts)
        previous = self.status.state
        self.status_holder.update(DeviceState.BUSY)
        channel = ApduChannel(session.transmit, token)
        self.last_stats = channel.stats
        try:
            session.open()
            value = work(channel, session.atr)
        except CardFault as f:
            self._after_fault(f)
            log.info("card read failed", extra={"fields": {"device": self.name, "read": what,
                                                            "error_code": f.code.code, "detail": f.detail,
                                                            "apdus": channel.stats.apdus}})
            return Completion.failure(f.outcome, f.code.code, f.message_key, f"{what}: {f.detail}")
        finally:
            session.close()
            if self.status.state is DeviceState.BUSY:
                self.status_holder.update(previous if previous.usable else DeviceState.ONLINE)
        return Completion.success(value)

    def _after_fault(self, fault: CardFault) -> None:
        if isinstance(fault, ServiceGone | ReaderGone):
            self.status_holder.update(DeviceState.NO_DEVICE, error_code=fault.code.code,
                                      message_key=fault.message_key)
        elif isinstance(fault, CardMute):
            self.status_holder.update(media="mute")
