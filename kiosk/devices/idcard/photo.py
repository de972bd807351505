"""The card photo: a licensed WLT decoder behind an interface, loaded by configuration.

The photo on the card is 1024 bytes of the proprietary WLT format and decodes to a 102×126 24-bit
BMP only through a vendor library. Without one configured the photo is reported *unavailable* —
never approximated or faked. :class:`CtypesWltDecoder` loads a vendor shared library by path and
calls a ``int fn(const char *wlt, char *bmp_out, int out_size)`` style entry point
(``wlt2bmpBuffer`` on the common Windows library; Linux vendor libraries name theirs in their
documentation, and may need their licence call done by a small wrapper library).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)

PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126
# 102 px × 3 bytes padded to 308 per row × 126 rows + 54-byte BMP header
BMP_SIZE = 38862


class PhotoStatus(StrEnum):
    DECODED = "decoded"
    UNAVAILABLE = "unavailable"  # no decoder configured (the honest default)
    FAILED = "failed"  # a decoder is configured but could not decode this photo
    ABSENT = "absent"  # the card answer had no photo block


@dataclass(frozen=True, repr=False)
class PhotoResult:
    status: PhotoStatus
    bmp: bytes | None = None  # a BMP file, only when DECODED
    reason: str = ""  # technician-facing, never personal data

    @property
    def available(self) -> bool:
        return self.status is PhotoStatus.DECODED and self.bmp is not None

    def __repr__(self) -> str:
        size = f", {len(self.bmp)}B" if self.bmp else ""
        return f"PhotoResult({self.status}{size}, reason={self.reason!r})"


class WltDecoder(Protocol):
    name: str

    def decode(self, wlt: bytes) -> PhotoResult: ...


class NoWltDecoder:
    """No licensed decoder configured: every photo is unavailable."""

    name = "none"

    def decode(self, wlt: bytes) -> PhotoResult:
        if not wlt:
            return PhotoResult(PhotoStatus.ABSENT, reason="no photo block")
        return PhotoResult(PhotoStatus.UNAVAILABLE, reason="no WLT decoder configured")


class DecoderLoadError(Exception):
    pass


class CtypesWltDecoder:
    """A vendor WLT library called through ctypes (one call at a time: vendor code is rarely re-entrant)."""

    def __init__(self, library_path: str, symbol: str = "wlt2bmpBuffer", output_size: int = BMP_SIZE,
                 success_code: int = 1) -> None:
        self.name = f"ctypes:{library_path}:{symbol}"
        self.output_size = output_size
        self.success_code = success_code
        self._lock = threading.Lock()
        try:
            lib = ctypes.CDLL(library_path)
            fn = getattr(lib, symbol)
        except (OSError, AttributeError) as e:
            raise DecoderLoadError(f"cannot load {symbol} from {library_path}: {e}") from e
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        fn.restype = ctypes.c_int
        self._fn = fn

    def decode(self, wlt: bytes) -> PhotoResult:
        if not wlt:
            return PhotoResult(PhotoStatus.ABSENT, reason="no photo block")
        out = ctypes.create_string_buffer(self.output_size)
        with self._lock:
            rc = int(self._fn(bytes(wlt), out, self.output_size))
        if rc != self.success_code:
            return PhotoResult(PhotoStatus.FAILED, reason=f"decoder returned {rc}")
        bmp = out.raw
        if not bmp.startswith(b"BM"):
            return PhotoResult(PhotoStatus.FAILED, reason="decoder output is not a BMP")
        declared = int.from_bytes(bmp[2:6], "little")
        if 54 <= declared <= len(bmp):
            bmp = bmp[:declared]
        return PhotoResult(PhotoStatus.DECODED, bmp)


def load_decoder(library_path: str, symbol: str, output_size: int = BMP_SIZE,
                 success_code: int = 1) -> WltDecoder:
    """The configured decoder, or :class:`NoWltDecoder` when none is configured or it fails to load."""
    if not library_path:
        return NoWltDecoder()
    try:
        return CtypesWltDecoder(library_path, symbol, output_size, success_code)
    except DecoderLoadError as e:
        log.error("WLT decoder not loaded; photos unavailable",
                  extra={"fields": {"error_code": "IDR-111", "reason": str(e)}})
        return NoWltDecoder()
