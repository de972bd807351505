"""PC/SC card reader: bank cards, social-security cards and staff cards (see driver.py).

``create_card_reader(config)`` builds the device and, in simulator mode, the virtual-card
controller (the same PC/SC driver then talks to pcscd + vpcd and our virtual cards).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.config import ConfigError, KioskConfig

if TYPE_CHECKING:
    from kiosk.devices.smartcard.driver import SmartCardReader
    from kiosk.devices.smartcard.vcard.controller import VirtualCardController

SIMULATOR_READER = "Virtual PCD 00 00"


def create_card_reader(config: KioskConfig) -> tuple[SmartCardReader, VirtualCardController | None]:
    from kiosk.devices.smartcard import pcscd
    from kiosk.devices.smartcard.driver import SmartCardReader
    from kiosk.devices.smartcard.staffcard import StaffKeyring
    from kiosk.devices.smartcard.vcard.controller import VirtualCardController
    from kiosk.devices.smartcard.vendor_sdk import VendorSdk

    sc = config.devices.smartcard
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
    device = SmartCardReader(sc, keyring=keyring, vendor_sdk=vendor, preferred_reader=preferred)
    return device, controller


__all__ = ["create_card_reader"]
