"""Adapter from the smart-card driver's staff-card authentication to :class:`StaffCardVerifier`.

The smart-card package exposes ``authenticate_staff_card(token) -> Completion[identity]`` where the
identity has a ``staff_id`` (proved by challenge-response against a diversified key). This
adapter keeps the staff package independent of that module: any object with that method fits.
"""

from __future__ import annotations

from typing import Any, Protocol

from kiosk.devices.base import CancelToken, Completion


class _StaffCardReader(Protocol):
    def authenticate_staff_card(self, token: CancelToken = ...) -> Completion[Any]: ...


class SmartCardStaffVerifier:
    def __init__(self, reader: _StaffCardReader, token: CancelToken | None = None) -> None:
        self.reader = reader
        self.token = token or CancelToken()

    def verify_staff_card(self) -> Completion[str]:
        result = self.reader.authenticate_staff_card(self.token)
        return result.map(lambda identity: str(identity.staff_id))
