"""Adapter point for the vendor social-security SDK (LD/T 6001.5 style ``iReadCardBas``).

Third-generation cards only open to a terminal that authenticates with a PSAM, which only the
vendor's library can drive. The library is loaded by configuration with ctypes; none is configured
by default, and then a third-generation card gets the honest result "needs terminal
authentication" (PCS-042). The call is ``long iReadCardBas(int iType, char *pOutInfo)``; the
answer is GBK text, fields separated by ``|``. The field order below is the usual one but is not
confirmed for every vendor, so it is configurable.
"""

from __future__ import annotations

import ctypes
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from kiosk.devices.base import Outcome
from kiosk.devices.smartcard.checks import id_number_valid
from kiosk.devices.smartcard.errors import VENDOR_SDK_FAILED, CardFault
from kiosk.devices.smartcard.ssc import SocialSecurityCard

DEFAULT_FIELDS = ("region_code", "ssn", "card_number", "card_identifier", "name", "atr",
                  "spec_version", "issue_date", "expiry_date", "terminal_id", "device_id")
OUTPUT_BUFFER = 2048


class VendorSdkFailed(CardFault):
    code, outcome, message_key = VENDOR_SDK_FAILED, Outcome.HARDWARE_ERROR, "smartcard.vendor_sdk_failed"


class VendorSdk:
    def __init__(self, library: Path, card_type: int = 3, fields: Sequence[str] = DEFAULT_FIELDS,
                 encoding: str = "gbk") -> None:
        self.library_path = library
        self.card_type = card_type
        self.fields = tuple(fields)
        self.encoding = encoding
        self._function: ctypes._CFuncPtr | None = None  # type: ignore[name-defined]

    def _load(self) -> ctypes._CFuncPtr:  # type: ignore[name-defined]
        if self._function is None:
            try:
                lib = ctypes.CDLL(str(self.library_path))
                function = lib.iReadCardBas
            except (OSError, AttributeError) as e:
                raise VendorSdkFailed(f"cannot load iReadCardBas from {self.library_path}: {e}") from None
            function.argtypes = [ctypes.c_int, ctypes.c_char_p]
            function.restype = ctypes.c_long
            self._function = function
        return self._function

    def read_basic_info(self) -> SocialSecurityCard:
        """Blocking call into the vendor library (run it off the UI thread, with a deadline)."""
        function = self._load()
        buffer = ctypes.create_string_buffer(OUTPUT_BUFFER)
        rc = int(function(self.card_type, buffer))
        if rc != 0:
            raise VendorSdkFailed(f"iReadCardBas returned {rc}")
        return parse_basic_info(buffer.value, self.fields, self.encoding)


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        raise VendorSdkFailed("vendor SDK date is not YYYYMMDD") from None


def parse_basic_info(raw: bytes, fields: Sequence[str] = DEFAULT_FIELDS,
                     encoding: str = "gbk") -> SocialSecurityCard:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise VendorSdkFailed(f"vendor SDK answer is not {encoding}") from None
    parts = text.split("|")
    if len(parts) < len(fields):
        raise VendorSdkFailed(f"vendor SDK answer has {len(parts)} fields, expected {len(fields)}")
    values = {name: parts[i].strip() for i, name in enumerate(fields)}
    ssn = values.get("ssn", "").upper()
    if not id_number_valid(ssn):
        raise VendorSdkFailed("vendor SDK social-security number fails the check character")
    gender_digit = ssn[16]
    return SocialSecurityCard(
        card_number=values.get("card_number", ""), card_identifier=values.get("card_identifier", ""),
        region_code=values.get("region_code", "")[:6], spec_version=values.get("spec_version", ""),
        issue_date=_date(values.get("issue_date", "")), expiry_date=_date(values.get("expiry_date", "")),
        ssn=ssn, name=values.get("name", ""),
        gender="male" if int(gender_digit) % 2 else "female")
