"""Who the staff are: entries of ``[[staff]]`` in a TOML file named by ``staff.staff_file``.

Each entry: ``id`` (工号), ``role`` (``manager`` 大堂经理 / ``technician`` 运维工程师),
``pin_hash`` (see :mod:`kiosk.staff.pins`; never a PIN), optional ``card_id`` (what the staff
card's challenge-response returns; defaults to ``id``), ``display_name`` and ``enabled``.
The platform may provision the same entries later through :meth:`StaffDirectory.from_entries`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.staff.pins import PinFormatError, PinHash


class Role(StrEnum):
    MANAGER = "manager"  # 大堂经理: assisted mode
    TECHNICIAN = "technician"  # 运维工程师: diagnostics mode


class StaffFileError(Exception):
    """The staff file is missing or wrong; the message names the entry and the problem."""


@dataclass(frozen=True)
class StaffMember:
    id: str
    role: Role
    pin: PinHash
    card_id: str
    display_name: str = ""
    enabled: bool = True


_KNOWN_KEYS = {"id", "role", "pin_hash", "card_id", "display_name", "enabled"}


def _member(index: int, raw: Mapping[str, Any], source: str) -> StaffMember:
    where = f"{source}: staff entry {index + 1}"
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise StaffFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    staff_id = raw.get("id")
    if not isinstance(staff_id, str) or not staff_id.strip() or len(staff_id) > 32:
        raise StaffFileError(f"{where}: 'id' must be a non-empty string of at most 32 characters")
    where = f"{source}: staff {staff_id}"
    try:
        role = Role(str(raw.get("role")))
    except ValueError:
        raise StaffFileError(f"{where}: 'role' must be 'manager' or 'technician'") from None
    pin_hash = raw.get("pin_hash")
    if not isinstance(pin_hash, str):
        raise StaffFileError(f"{where}: 'pin_hash' is missing (make one with kiosk-diag staff hash-pin)")
    try:
        pin = PinHash.parse(pin_hash)
    except PinFormatError as e:
        raise StaffFileError(f"{where}: {e}") from None
    card_id = raw.get("card_id", staff_id)
    display_name = raw.get("display_name", "")
    enabled = raw.get("enabled", True)
    if not isinstance(card_id, str) or not isinstance(display_name, str) or not isinstance(enabled, bool):
        raise StaffFileError(f"{where}: card_id/display_name must be strings, enabled true or false")
    return StaffMember(staff_id, role, pin, card_id, display_name, enabled)


class StaffDirectory:
    def __init__(self, members: Iterable[StaffMember]) -> None:
        self._by_id: dict[str, StaffMember] = {}
        self._by_card: dict[str, StaffMember] = {}
        for m in members:
            if m.id in self._by_id:
                raise StaffFileError(f"staff id {m.id} appears twice")
            if m.card_id in self._by_card:
                raise StaffFileError(f"card id of staff {m.id} is also used by {self._by_card[m.card_id].id}")
            self._by_id[m.id] = m
            self._by_card[m.card_id] = m

    @staticmethod
    def from_entries(entries: Iterable[Mapping[str, Any]], source: str = "platform") -> StaffDirectory:
        return StaffDirectory(_member(i, e, source) for i, e in enumerate(entries))

    @staticmethod
    def load(path: Path) -> StaffDirectory:
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except FileNotFoundError:
            raise StaffFileError(f"{path}: staff file not found") from None
        except tomllib.TOMLDecodeError as e:
            raise StaffFileError(f"{path}: not valid TOML: {e}") from None
        except OSError as e:
            raise StaffFileError(f"{path}: cannot be read: {e.strerror}") from None
        entries = data.get("staff", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise StaffFileError(f"{path}: expected [[staff]] tables")
        return StaffDirectory.from_entries(entries, str(path))

    def get(self, staff_id: str) -> StaffMember | None:
        m = self._by_id.get(staff_id)
        return m if m is not None and m.enabled else None

    def by_card(self, card_id: str) -> StaffMember | None:
        m = self._by_card.get(card_id)
        return m if m is not None and m.enabled else None

    def members(self) -> list[StaffMember]:
        return sorted(self._by_id.values(), key=lambda m: m.id)

    def __len__(self) -> int:
        return len(self._by_id)
