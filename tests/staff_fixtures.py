"""Shared fakes for the staff tests: a clock you can move, a card verifier, cheap PIN hashes."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.devices.base import Completion, Outcome
from kiosk.staff.pins import MIN_LOG2_N, hash_pin

# Cheap hashes keep the tests fast; the cost parameter is stored in the hash itself.
MANAGER_PIN = "246810"
MANAGER2_PIN = "135790"
TECH_PIN = "975310"
_CACHE: dict[str, str] = {}


def cheap_hash(pin: str) -> str:
    if pin not in _CACHE:
        _CACHE[pin] = hash_pin(pin, log2_n=MIN_LOG2_N)
    return _CACHE[pin]


def staff_entries() -> list[dict[str, object]]:
    return [
        {"id": "M001", "role": "manager", "card_id": "CARD-M001", "pin_hash": cheap_hash(MANAGER_PIN)},
        {"id": "M002", "role": "manager", "card_id": "CARD-M002", "pin_hash": cheap_hash(MANAGER2_PIN)},
        {"id": "T001", "role": "technician", "card_id": "CARD-T001", "pin_hash": cheap_hash(TECH_PIN)},
        {"id": "X001", "role": "manager", "card_id": "CARD-X001", "pin_hash": cheap_hash("111111"),
         "enabled": False},
    ]


@dataclass
class FakeClock:
    wall_s: float = 1_800_000_000.0
    mono_s: float = 1000.0

    def wall(self) -> float:
        return self.wall_s

    def monotonic(self) -> float:
        return self.mono_s

    def advance(self, seconds: float) -> None:
        self.wall_s += seconds
        self.mono_s += seconds


@dataclass
class FakeCardVerifier:
    """Stands in for the smart-card helper's challenge-response: returns what it is told to."""

    card_id: str | None = "CARD-M001"
    calls: list[int] = field(default_factory=list)

    def verify_staff_card(self) -> Completion[str]:
        self.calls.append(1)
        if self.card_id is None:
            return Completion.failure(Outcome.HARDWARE_ERROR, "PCS-041", "staff.login_card_rejected")
        return Completion.success(self.card_id)
