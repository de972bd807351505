"""Composition: the PC/SC driver for ``devices.smartcard.mode`` real or simulator.

In simulator mode the driver is the SAME production driver, talking to pcscd + vpcd, and the
second value is the :class:`VirtualCardController` that inserts and removes virtual cards.
The composition root calls :func:`create_card_reader` then :func:`start_card_runner`.
"""

from __future__ import annotations

from kiosk.config import ConfigError, KioskConfig
from kiosk.devices.runner import Backoff, DeviceRunner, supervised_runner
from kiosk.devices.smartcard import pcscd
from kiosk.devices.smartcard.driver import SmartCardReader
from kiosk.devices.smartcard.staffcard import StaffKeyring
from kiosk.devices.smartcard.vcard.controller import VirtualCardController
from kiosk.devices.smartcard.vendor_sdk import VendorSdk

SIMULATOR_READER = "Virtual PCD 00 00"


def create_card_reader(config: KioskConfig) -> tuple[SmartCardReader | None, VirtualCardController | None]:
    """``(reader, controller)``: controller is None in real mode; both None when disabled.
    Raises ConfigError for an unreadable staff key file."""
    sc = config.devices.smartcard
    if sc.mode == "disabled":
        return None, None
    keyring = None
    if sc.staff_key_file is not None:
        path = config.path(sc.staff_key_file)
        try:
            keyring = StaffKeyring.from_file(path)
        except (OSError, ValueError) as e:
            raise ConfigError(f"devices.smartcard.staff_key_file: {path}: {e}") from None
    vendor = None
    if sc.vendor_sdk_library is not None:
        vendor = VendorSdk(config.path(sc.vendor_sdk_library), sc.vendor_sdk_card_type, sc.vendor_sdk_fields)
    controller = None
    preferred = ""
    if sc.mode == "simulator":
        if sc.start_pcscd:
            pcscd.ensure_daemon()
        controller = VirtualCardController(sc.vpcd_host, sc.vpcd_port)
        preferred = SIMULATOR_READER
    return SmartCardReader(sc, keyring=keyring, vendor_sdk=vendor, preferred_reader=preferred), controller


def start_card_runner(reader: SmartCardReader, backoff: Backoff | None = None) -> DeviceRunner:
    """A started runner: supervision (reopen after pcscd loss), card polling as idle task, logging."""
    return supervised_runner(reader, reader.poll, backoff=backoff)
