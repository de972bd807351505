"""The one raw I/O primitive under the ESC/POS protocol: a pyserial port (device path or URL).

Reads never block longer than the caller's deadline slice, so status polls stay short and a
cancelled job stops promptly. Flow control is explicit (DSR/DTR off): a printer holding DSR low
must not block writes forever.
"""

from __future__ import annotations

import serial


class LinkError(Exception):
    """The port cannot be opened, or a read/write failed (unplugged, permissions …)."""


class SerialLink:
    def __init__(self, port: str, baudrate: int, *, rtscts: bool = False, write_timeout_s: float = 5.0) -> None:
        self.port = port
        self.baudrate = baudrate
        self.rtscts = rtscts
        self.write_timeout_s = write_timeout_s
        self._serial: serial.SerialBase | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None and bool(self._serial.is_open)

    def open(self) -> None:
        self.close()
        try:
            self._serial = serial.serial_for_url(
                self.port, baudrate=self.baudrate, bytesize=8, parity="N", stopbits=1, timeout=0,
                write_timeout=self.write_timeout_s, rtscts=self.rtscts, dsrdtr=False, xonxoff=False,
                # A second program on the same port (kiosk-diag while the kiosk runs) would mix its
                # bytes into a job: the lock makes it fail with "port busy" instead.
                exclusive=True)
        except (serial.SerialException, OSError, ValueError) as e:
            self._serial = None
            raise LinkError(f"cannot open {self.port}: {e}") from e

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None

    def _port(self) -> serial.SerialBase:
        if self._serial is None:
            raise LinkError("port not open")
        return self._serial

    def write(self, data: bytes) -> None:
        try:
            self._port().write(data)
        except (serial.SerialException, OSError) as e:
            raise LinkError(f"write failed: {e}") from e

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Up to ``max_bytes``: waits at most ``timeout_s`` for the first byte, then takes what is there."""
        port = self._port()
        try:
            port.timeout = max(0.0, timeout_s)
            first = port.read(1)
            if not first:
                return b""
            port.timeout = 0
            waiting = port.in_waiting
            more = port.read(min(max_bytes - 1, waiting)) if waiting and max_bytes > 1 else b""
            return first + more
        except (serial.SerialException, OSError) as e:
            raise LinkError(f"read failed: {e}") from e

    def discard_input(self) -> int:
        """Drop stale bytes (late replies, line noise) so the next reply is read fresh."""
        port = self._port()
        try:
            dropped = 0
            port.timeout = 0
            while True:
                waiting = port.in_waiting
                if not waiting:
                    break
                dropped += len(port.read(waiting))
            port.reset_input_buffer()
            return dropped
        except (serial.SerialException, OSError) as e:
            raise LinkError(f"flush failed: {e}") from e
