"""Running pcscd for the simulator, the tests and the bench (never used on a production kiosk).

Only one pcscd can run on a machine (its socket is fixed at /run/pcscd/pcscd.comm). Tests start
their own in the foreground with a private reader.conf.d whose vpcd listens on a free port pair,
so they never collide with the well-known 35963; if a pcscd is already running (not ours) they
use it through the system vpcd configuration instead.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from smartcard import scard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SYSTEM_VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
PID_FILE = Path("/run/pcscd/pcscd.pid")
COMM_SOCKET = Path("/run/pcscd/pcscd.comm")
DEFAULT_VPCD_PORT = 35963


def missing_binaries() -> str | None:
    """Why a real PC/SC stack with vpcd cannot run here, or None when it can."""
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (apt-get install pcscd; scripts/setup.sh does it)"
    if not VPCD_DRIVER.exists():
        return f"vsmartcard-vpcd is not installed ({VPCD_DRIVER} missing)"
    return None


def running_pid() -> int | None:
    """The pid of a live pcscd, from its pid file (a zombie does not count)."""
    try:
        match = re.match(r"\s*(\d+)", PID_FILE.read_text(errors="replace"))
        if match is None:
            return None
        pid = int(match.group(1))
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # /proc/PID/stat: "pid (comm) state …"
    comm = stat[stat.find("(") + 1:stat.rfind(")")]
    state = stat[stat.rfind(")") + 2:stat.rfind(")") + 3]
    if comm != "pcscd" or state in ("Z", "X"):
        return None
    return pid


def system_vpcd_port(conf: Path = SYSTEM_VPCD_CONF) -> int:
    """Slot 0's port from the Debian vpcd config (``DEVICENAME /dev/null:0x8C7B`` = server mode)."""
    try:
        match = re.search(r"^\s*DEVICENAME\s+\S*:(0x[0-9A-Fa-f]+|\d+)", conf.read_text(), re.M)
    except OSError:
        return DEFAULT_VPCD_PORT
    return int(match.group(1), 0) if match else DEFAULT_VPCD_PORT


def free_port_pair() -> int:
    """A port P with P and P+1 free on loopback (vpcd opens one port per slot)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", port))
                b.bind(("0.0.0.0", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for vpcd")


def virtual_readers_listed() -> bool:
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return False
    try:
        hr, readers = scard.SCardListReaders(ctx, [])
        return hr == scard.SCARD_S_SUCCESS and any("Virtual PCD" in r for r in readers)
    finally:
        scard.SCardReleaseContext(ctx)


class PcscdProcess:
    """Our own foreground pcscd with vpcd listening on ``port`` (127.0.0.1 and others)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port_pair()
        self.conf_dir = workdir / "reader.conf.d"
        self.log_path = workdir / "pcscd.log"
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{self.port:04X}\n")

    def start(self, timeout_s: float = 10.0) -> None:
        if running_pid() is not None:
            raise RuntimeError("a pcscd is already running")
        self.write_config()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(["pcscd", "--foreground", "--config", str(self.conf_dir)],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pcscd exited with {self.process.returncode}; see {self.log_path}")
            if running_pid() == self.process.pid and COMM_SOCKET.exists() and virtual_readers_listed():
                return
            time.sleep(0.05)
        raise RuntimeError(f"pcscd did not list the vpcd readers in {timeout_s}s; see {self.log_path}")

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        self.process = None
        # pcscd removes its socket on a clean exit; wait so a restart does not see the old one.
        deadline = time.monotonic() + timeout_s
        while COMM_SOCKET.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self) -> None:
        self.stop()
        self.start()


def ensure_daemon() -> bool:
    """Demo only: start the system pcscd (daemonised) when none runs. True if one runs now."""
    if running_pid() is not None:
        return True
    if missing_binaries() is not None:
        return False
    subprocess.run(["pcscd"], check=False, timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if running_pid() is not None and COMM_SOCKET.exists():
            return True
        time.sleep(0.05)
    return False


@dataclass
class VirtualStack:
    """pcscd + vpcd for tests and the bench: ``port`` is vpcd slot 0; ``pcscd`` is ours or None."""

    port: int
    pcscd: PcscdProcess | None

    @property
    def reader(self) -> str:
        return "Virtual PCD 00 00"


@contextmanager
def virtual_stack(workdir: Path) -> Iterator[VirtualStack]:
    """Start our own pcscd on a free vpcd port, or use the one already running."""
    if running_pid() is not None:
        yield VirtualStack(system_vpcd_port(), None)
        return
    process = PcscdProcess(workdir)
    process.start()
    try:
        yield VirtualStack(process.port, process)
    finally:
        process.stop()
