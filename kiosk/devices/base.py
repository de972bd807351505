"""The common device model (after XFS4IoT): status, completions, capabilities, cancellation.

Pure Python, no Qt: drivers, simulators, test doubles and the technician CLI all use it.

- :class:`DeviceStatus` is an immutable value: a common :class:`DeviceState` plus device-specific
  fields in ``detail`` (media present, paper low …). :func:`status_changes` derives the event
  payload (what changed) from two statuses, so logging and UI updates come from the change itself.
- Every command returns one :class:`Completion` — success, canceled, timeout, hardware error,
  user error or not ready — instead of raising for expected failures. Exceptions are for bugs.
- :class:`CancelToken` is checked by long operations between I/O steps.
- :class:`Capabilities` is data the UI adapts to (fingerprint, native QR, partial cut …).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
U = TypeVar("U")


class DeviceState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    POWER_OFF = "powerOff"
    NO_DEVICE = "noDevice"
    HARDWARE_ERROR = "hardwareError"
    USER_ERROR = "userError"
    BUSY = "deviceBusy"
    FRAUD_ATTEMPT = "fraudAttempt"

    @property
    def usable(self) -> bool:
        return self in (DeviceState.ONLINE, DeviceState.BUSY)


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState = DeviceState.NO_DEVICE
    # Device-specific fields (media present, paper low …); values are plain str/int/bool.
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # A numbered code a technician can look up (kiosk.devices.errors), and an i18n key for people.
    error_code: str | None = None
    message_key: str | None = None

    def with_state(self, state: DeviceState, *, error_code: str | None = None,
                   message_key: str | None = None) -> DeviceStatus:
        return replace(self, state=state, error_code=error_code, message_key=message_key)

    def with_detail(self, **changes: Any) -> DeviceStatus:
        return replace(self, detail=MappingProxyType({**self.detail, **changes}))

    def as_dict(self) -> dict[str, Any]:
        return {"state": str(self.state), "detail": dict(self.detail),
                "error_code": self.error_code, "message_key": self.message_key}


def status_changes(old: DeviceStatus, new: DeviceStatus) -> dict[str, tuple[Any, Any]]:
    """What changed between two statuses, as ``{field: (old, new)}``; detail keys are prefixed."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in ("state", "error_code", "message_key"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changes[name] = (a, b)
    for key in sorted(set(old.detail) | set(new.detail)):
        a, b = old.detail.get(key), new.detail.get(key)
        if a != b:
            changes[f"detail.{key}"] = (a, b)
    return changes


class Outcome(StrEnum):
    SUCCESS = "success"
    CANCELED = "canceled"
    TIMEOUT = "timeOut"
    HARDWARE_ERROR = "hardwareError"
    USER_ERROR = "userError"
    NOT_READY = "deviceNotReady"


@dataclass(frozen=True)
class Completion(Generic[T]):
    """The single typed end of a device command."""

    outcome: Outcome
    value: T | None = None
    error_code: str | None = None
    message_key: str | None = None
    # Technician-facing detail; never personal data.
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCESS

    @staticmethod
    def success(value: T) -> Completion[T]:
        return Completion(Outcome.SUCCESS, value)

    @staticmethod
    def failure(outcome: Outcome, error_code: str | None = None, message_key: str | None = None,
                detail: str = "") -> Completion[Any]:
        if outcome is Outcome.SUCCESS:
            raise ValueError("a failure cannot have outcome SUCCESS")
        return Completion(outcome, None, error_code, message_key, detail)

    def map(self, fn: Callable[[T], U]) -> Completion[U]:
        if self.ok:
            return Completion(Outcome.SUCCESS, fn(self.value))  # type: ignore[arg-type]
        return Completion(self.outcome, None, self.error_code, self.message_key, self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": str(self.outcome), "error_code": self.error_code,
                "message_key": self.message_key, "detail": self.detail}


class CancelToken:
    """Set from any thread; long operations poll it between I/O steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True early if cancelled."""
        return self._event.wait(seconds)


NEVER_CANCELLED = CancelToken()


@dataclass(frozen=True)
class Capabilities:
    device_class: str  # "idcard", "printer", "smartcard", "camera" …
    model: str = "unknown"
    features: frozenset[str] = frozenset()
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def has(self, feature: str) -> bool:
        return feature in self.features

    def as_dict(self) -> dict[str, Any]:
        return {"device_class": self.device_class, "model": self.model,
                "features": sorted(self.features), "detail": dict(self.detail)}


@dataclass(frozen=True)
class DeviceEvent:
    """An unsolicited event (card inserted, card removed, paper low …).

    ``payload`` may hold personal data (a read card): it goes to the UI, never to a log line;
    ``summary`` is the loggable part."""

    kind: str
    payload: Any = None
    summary: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


StatusListener = Callable[[DeviceStatus, dict[str, tuple[Any, Any]]], None]
EventListener = Callable[[DeviceEvent], None]


class Device(Protocol):
    """What every driver, simulator-backed driver and test double offers."""

    name: str

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def status(self) -> DeviceStatus: ...

    def open(self) -> Completion[None]: ...

    def close(self) -> None: ...


class StatusHolder:
    """Keeps a device's status and tells listeners exactly what changed (thread-safe)."""

    def __init__(self, initial: DeviceStatus | None = None) -> None:
        self._status = initial or DeviceStatus()
        self._lock = threading.Lock()
        self._status_listeners: list[StatusListener] = []
        self._event_listeners: list[EventListener] = []

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def on_status(self, listener: StatusListener) -> None:
        self._status_listeners.append(listener)

    def on_event(self, listener: EventListener) -> None:
        self._event_listeners.append(listener)

    def set_status(self, new: DeviceStatus) -> dict[str, tuple[Any, Any]]:
        with self._lock:
            changes = status_changes(self._status, new)
            self._status = new
        if changes:
            for listener in list(self._status_listeners):
                listener(new, changes)
        return changes

    def update(self, state: DeviceState | None = None, *, error_code: str | None = None,
               message_key: str | None = None, **detail: Any) -> dict[str, tuple[Any, Any]]:
        s = self._status
        if state is not None:
            s = s.with_state(state, error_code=error_code, message_key=message_key)
        if detail:
            s = s.with_detail(**detail)
        return self.set_status(s)

    def emit(self, event: DeviceEvent) -> None:
        for listener in list(self._event_listeners):
            listener(event)
