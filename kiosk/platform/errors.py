"""Typed results of platform calls: expected failures are values, not exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from kiosk.platform import codes

T = TypeVar("T")

# 409 codes that mean "do something first and try again", not "this item is wrong".
_TRANSIENT_CODES = frozenset({"ATTACHMENT_INCOMPLETE", "OFFSET_MISMATCH", "AUTH_CLOCK_SKEW",
                              "AUTH_REPLAY", "CONFLICT"})


class FailureKind(StrEnum):
    NETWORK = "network"  # refused, reset, DNS, TLS
    TIMEOUT = "timeout"
    HTTP = "http"  # the platform answered with a typed error
    PROTOCOL = "protocol"  # the answer is not what the contract says (garbage, wrong shape)
    SIGNATURE = "signature"  # a receipt/catalogue signature or hash does not verify


@dataclass(frozen=True)
class PlatformError:
    kind: FailureKind
    error_code: str  # NET-xxx, for technicians
    status: int | None = None
    code: str | None = None  # the platform's stable error code
    message: str = ""  # technical detail; never personal data
    retry_after_s: float | None = None

    @property
    def transient(self) -> bool:
        """Retry with backoff (network, timeout, 408, 429, 5xx, auth, bad answers) or not."""
        if self.kind is not FailureKind.HTTP:
            return True
        s = self.status or 0
        if s in (408, 429) or s >= 500 or s in (401, 403):
            # 401/403 is a terminal problem (enrolment, clock), not the item's: keep it queued.
            return True
        return self.code in _TRANSIENT_CODES

    def describe(self) -> str:
        parts = [self.error_code, str(self.kind)]
        if self.status:
            parts.append(str(self.status))
        if self.code:
            parts.append(self.code)
        if self.message:
            parts.append(self.message[:200])
        return " ".join(parts)


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T | None = None
    error: PlatformError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @staticmethod
    def success(value: T) -> Result[T]:
        return Result(value=value)

    @staticmethod
    def failure(error: PlatformError) -> Result[T]:
        return Result(error=error)

    def unwrap(self) -> T:
        if self.error is not None:
            raise RuntimeError(self.error.describe())
        return self.value  # type: ignore[return-value]


def http_error(status: int, code: str | None, message: str,
               retry_after_s: float | None = None) -> PlatformError:
    if status == 429:
        net = codes.THROTTLED.code
    elif status >= 500:
        net = codes.SERVER.code
    elif status in (401, 403):
        net = codes.AUTH.code
    else:
        net = codes.REJECTED.code
    return PlatformError(FailureKind.HTTP, net, status, code, message, retry_after_s)
