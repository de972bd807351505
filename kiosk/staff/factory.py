"""Build the staff components from the configuration (used by the app and by kiosk-diag)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.staff import SERVICE_STATE_FILE
from kiosk.staff import lockout as lk
from kiosk.staff.assisted import ServiceStateStore
from kiosk.staff.auth import Clock, SessionPolicy, StaffAuth
from kiosk.staff.directory import StaffDirectory


@dataclass
class StaffComponents:
    auth: StaffAuth
    service_state: ServiceStateStore


def staff_file(cfg: KioskConfig) -> StaffDirectory:
    return StaffDirectory.load(cfg.path(cfg.staff.staff_file))


def build_staff(cfg: KioskConfig, clock: Clock | None = None) -> StaffComponents:
    """Raises :class:`kiosk.staff.directory.StaffFileError` when the staff file is wrong."""
    s = cfg.staff
    auth = StaffAuth(
        staff_file(cfg), lk.LockoutStore(cfg.data_path(s.lockout_file)),
        lk.LockoutPolicy(s.max_pin_attempts, float(s.lockout_base_s), float(s.lockout_max_s)),
        SessionPolicy(float(s.idle_timeout_s), float(s.max_session_s)),
        technician_requires_card=s.technician_requires_card, clock=clock, terminal_id=cfg.terminal.id)
    return StaffComponents(auth, ServiceStateStore(cfg.data_path(Path(SERVICE_STATE_FILE))))
