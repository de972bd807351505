"""The serial transport: a device path (/dev/ttyUSB0) or any pyserial URL (socket://, loop://)."""

from __future__ import annotations

import errno

import serial

from kiosk.devices.idcard.transport import LinkLost, PortNotFound, PortUnavailable, TransportError

_NOT_FOUND = {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ECONNREFUSED, errno.EHOSTUNREACH,
              errno.ENETUNREACH, errno.ETIMEDOUT}


class SerialTransport:
    def __init__(self, url: str, baudrate: int = 115200, write_timeout_s: float = 1.0) -> None:
        self.url = url
        self.baudrate = baudrate
        self.write_timeout_s = write_timeout_s
        self.description = f"serial {url} @ {baudrate}"
        self._port: serial.SerialBase | None = None
        self._timeout: float | None = None

    @property
    def is_open(self) -> bool:
        return self._port is not None and bool(self._port.is_open)

    def open(self) -> None:
        self.close()
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, bytesize=8, parity="N",
                                         stopbits=1, timeout=0.05, write_timeout=self.write_timeout_s,
                                         xonxoff=False, rtscts=False, dsrdtr=False, do_not_open=True)
            port.open()
        except ValueError as e:  # a malformed URL or setting
            raise PortUnavailable(f"{self.url}: {e}") from e
        except (serial.SerialException, OSError) as e:
            raise _classify_open_error(self.url, e) from e
        self._port = port
        self._timeout = 0.05

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _require(self) -> serial.SerialBase:
        if self._port is None:
            raise LinkLost("port is not open")
        return self._port

    def write(self, data: bytes) -> None:
        port = self._require()
        try:
            # No flush(): tcdrain has no timeout, and the answer wait bounds everything anyway.
            port.write(data)
        except serial.SerialTimeoutException as e:
            raise LinkLost(f"write timed out on {self.url}") from e
        except (serial.SerialException, OSError) as e:
            raise LinkLost(f"write failed on {self.url}: {e}") from e

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        port = self._require()
        try:
            if self._timeout != timeout_s:
                port.timeout = timeout_s
                self._timeout = timeout_s
            return bytes(port.read(max(1, max_bytes)))
        except (serial.SerialException, OSError) as e:
            raise LinkLost(f"read failed on {self.url}: {e}") from e

    def discard_input(self) -> None:
        port = self._require()
        try:
            port.reset_input_buffer()
        except (serial.SerialException, OSError) as e:
            raise LinkLost(f"cannot flush {self.url}: {e}") from e


def _classify_open_error(url: str, e: BaseException) -> TransportError:
    code = getattr(e, "errno", None)
    text = str(e)
    # pyserial's socket:// handler puts the OS error only in the message text
    if code in _NOT_FOUND or any(f"[Errno {n}]" in text for n in _NOT_FOUND):
        return PortNotFound(f"{url}: {text}")
    return PortUnavailable(f"{url}: {text}")
