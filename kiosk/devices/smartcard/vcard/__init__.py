"""Virtual smart cards for pcscd + vsmartcard-vpcd (development and tests, never production).

A card program connects to vpcd's TCP socket (connecting = card inserted, closing = removed) and
answers vpcd's frames: 2-byte big-endian length + payload; a 1-byte payload is a control code
(00 power off, 01 power on, 02 reset, 04 get ATR), a longer one a command APDU. pcscd and pyscard
see a real reader with a real card, so the production driver runs unchanged against it.
"""

from kiosk.devices.smartcard.vcard.controller import VirtualCardController

__all__ = ["VirtualCardController"]
