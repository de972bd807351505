"""The reader's DEVICE side on a real serial link, with fault injection — a first-class part.

The simulator answers the exact frames of the real reader (same codec, the brief's byte layouts)
on a pty pair (the driver opens a stable symlink to the slave, like /dev/serial/by-id) or on a TCP
socket the driver opens as ``socket://127.0.0.1:PORT``. Answers are paced at the configured baud
rate (10 bits a byte; ptys and sockets do not enforce it), so timings match real wire time.

Test people are data (``assets/testdata/idcard_people.toml``). The photo block is a fixed filler,
not a WLT image: the WLT format is proprietary and is not invented here.

Controls (thread-safe; used by tests, the dev dock and the standalone CLI): ``insert_card(id)``,
``remove_card()``, ``set_fault(fault, count=None, command=None)``, ``clear_faults()``,
``unplug()`` / ``replug()``.

Modelling choices where the brief is silent (keep in mind on real hardware):
after a successful read the card is halted: find answers 80 until it leaves the field, while
select still answers 90 as long as it is in the field (the driver's "select" removal probe).
The appended-address answer (unconfirmed command 30 03) is 70 bytes of UTF-16LE text, or SW3 91.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import random
import select
import socket
import sys
import tempfile
import threading
import time
import tomllib
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT
from kiosk.devices.idcard import commands as C
from kiosk.devices.idcard.commands import CardBlocks
from kiosk.devices.idcard.frame import (
    PREAMBLE,
    ChecksumError,
    FrameDecoder,
    FrameError,
    LengthError,
    encode_frame,
)
from kiosk.devices.idcard.identity import CardType
from kiosk.devices.idcard.parser import encode_appended_address, encode_text

log = logging.getLogger(__name__)
DEFAULT_PEOPLE = PROJECT_ROOT / "assets" / "testdata" / "idcard_people.toml"
# Fixed fillers, deliberately NOT WLT (a WLT image would start with "WL"): never a faked photo.
PHOTO_FILLER = (b"SIM-NO-WLT-PHOTO" * 64)[: C.PHOTO_LEN]
FINGERPRINT_FILLER = (b"SIM-NO-FINGERPRT" * 64)[: C.FINGERPRINT_LEN]
SAM_ID = bytes.fromhex("05010000202401010000000012345678")
PERSON_FIELDS = ("name", "name_en", "gender", "nation", "birth", "address", "id_number", "issuer",
                 "valid_from", "valid_until", "nationality", "card_version", "issuing_office",
                 "renewals", "permit_number", "issue_count")


class SimFault(StrEnum):
    NO_CARD = "no_card"  # find answers 80 although a card lies on the reader (badly placed)
    REMOVED_MID_READ = "removed_mid_read"  # the card leaves during the read: SW3 41, card gone
    CHECKSUM = "checksum"  # answers carry a wrong checksum byte
    TIMEOUT = "timeout"  # no answer at all
    SAM_SELFTEST = "sam_selftest"  # every command answers 60 (SAM self-test failed)
    GARBAGE = "garbage"  # random bytes (with partial preambles) before each answer
    READ_FAILURE = "read_failure"  # the read answers 41; the card stays
    TRUNCATED = "truncated"  # half an answer, then silence


@dataclass(frozen=True, repr=False)
class TestPerson:
    __test__ = False  # not a pytest test class
    id: str
    label: str
    card_type: CardType
    fields: dict[str, str]
    fingerprint: bool = False
    appended_address: str | None = None

    def __repr__(self) -> str:
        return f"TestPerson({self.id!r})"

    def text_block(self) -> bytes:
        return encode_text(self.card_type, self.fields)

    def blocks(self, with_fingerprint: bool) -> CardBlocks:
        fp = FINGERPRINT_FILLER if (with_fingerprint and self.fingerprint) else b""
        return CardBlocks(self.text_block(), PHOTO_FILLER, fp)


def load_people(path: Path | None = None) -> dict[str, TestPerson]:
    path = path or DEFAULT_PEOPLE
    with path.open("rb") as f:
        data = tomllib.load(f)
    people: dict[str, TestPerson] = {}
    for pid, entry in data.items():
        fields = {k: str(entry[k]) for k in PERSON_FIELDS if k in entry}
        person = TestPerson(pid, str(entry.get("label", pid)), CardType(entry["card_type"]), fields,
                            bool(entry.get("fingerprint", False)), entry.get("appended_address"))
        person.text_block()  # fail early on a field that does not fit its layout
        people[pid] = person
    return people


@dataclass
class _FaultSlot:
    remaining: int | None  # None: until cleared
    command: str | None  # only answers to this command name (None: any)


@dataclass
class Reply:
    data: bytes
    delay_s: float = 0.0


class ReaderModel:
    """The reader's behaviour: one request payload in, the answer bytes out (no I/O)."""

    def __init__(self, people: dict[str, TestPerson], *, rf_delay_s: float = 0.0,
                 appended_address_command: str = "30 03", rng: random.Random | None = None) -> None:
        self.people = people
        self.rf_delay_s = rf_delay_s
        self.appended = C.parse_command_bytes(appended_address_command)
        self.rng = rng or random.Random(1234)
        self._lock = threading.RLock()
        self.card: TestPerson | None = None
        self.selected = False
        self.halted = False
        self.faults: dict[SimFault, _FaultSlot] = {}
        self.requests = 0
        self.reads = 0

    # --- controls ---------------------------------------------------------------------------
    def insert_card(self, person_id: str) -> None:
        with self._lock:
            if person_id not in self.people:
                raise KeyError(f"no test person {person_id!r}")
            self.card = self.people[person_id]
            self.selected = self.halted = False

    def remove_card(self) -> None:
        with self._lock:
            self.card = None
            self.selected = self.halted = False

    def set_fault(self, fault: SimFault | str, count: int | None = None, command: str | None = None) -> None:
        with self._lock:
            self.faults[SimFault(fault)] = _FaultSlot(count, command)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"card": self.card.id if self.card else None, "selected": self.selected,
                    "halted": self.halted, "faults": sorted(str(f) for f in self.faults),
                    "requests": self.requests, "reads": self.reads}

    # --- behaviour ----------------------------------------------------------------------------
    def _take(self, fault: SimFault, command: str) -> bool:
        slot = self.faults.get(fault)
        if slot is None or (slot.command is not None and slot.command != command):
            return False
        if slot.remaining is not None:
            slot.remaining -= 1
            if slot.remaining <= 0:
                del self.faults[fault]
        return True

    def handle_error(self, error: FrameError) -> Reply | None:
        """A bad request frame: the reader says so (10 checksum, 11 length); garbage is ignored."""
        if isinstance(error, ChecksumError):
            return Reply(encode_frame(bytes([0, 0, 0x10])))
        if isinstance(error, LengthError):
            return Reply(encode_frame(bytes([0, 0, 0x11])))
        return None

    def handle(self, payload: bytes) -> Reply:
        with self._lock:
            self.requests += 1
            name = _command_name(payload, self.appended)
            if self._take(SimFault.TIMEOUT, name):
                return Reply(b"")
            sw3, data, delay = self._answer(payload, name)
            frame = encode_frame(bytes([0, 0, sw3]) + data)
            if self._take(SimFault.CHECKSUM, name):
                frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
            if self._take(SimFault.TRUNCATED, name):
                frame = frame[: max(len(PREAMBLE) + 3, len(frame) // 2)]
            if self._take(SimFault.GARBAGE, name):
                frame = self._garbage() + frame
            return Reply(frame, delay)

    def _garbage(self) -> bytes:
        noise = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(3, 40)))
        # partial preambles that a naive decoder would lock onto
        return noise + PREAMBLE[:3] + bytes([0x00]) + PREAMBLE[:4] + noise[:5]

    def _answer(self, payload: bytes, name: str) -> tuple[int, bytes, float]:
        if len(payload) < 2:
            return 0x11, b"", 0.0
        if self._take(SimFault.SAM_SELFTEST, name):
            return 0x60, b"", 0.0
        cmd = (payload[0], payload[1])
        if cmd == (0x10, 0xFF):
            self.selected = False
            return 0x90, b"", 0.0
        if cmd == (0x11, 0xFF):
            return 0x90, b"", 0.0
        if cmd == (0x12, 0xFF):
            return 0x90, SAM_ID, 0.0
        if cmd == (0x20, 0x01):
            if self.card is None or self.halted or self._take(SimFault.NO_CARD, name):
                return 0x80, b"", 0.0
            return 0x9F, bytes(4), 0.0
        if cmd == (0x20, 0x02):
            if self.card is None:
                return 0x81, b"", 0.0
            self.selected = True
            return 0x90, bytes(8), 0.0
        if cmd in ((0x30, 0x01), (0x30, 0x10)):
            return self._read(cmd[1] == 0x10, name)
        if cmd == (self.appended.cmd, self.appended.para):
            if self.card is None or not self.selected:
                return 0x23, b"", 0.0
            if not self.card.appended_address:
                return 0x91, b"", 0.0
            return 0x90, encode_appended_address(self.card.appended_address), 0.0
        return 0x21, b"", 0.0

    def _read(self, with_fingerprint: bool, name: str) -> tuple[int, bytes, float]:
        if self.card is None:
            return 0x41, b"", self.rf_delay_s
        if not self.selected:
            return 0x23, b"", 0.0
        if self._take(SimFault.REMOVED_MID_READ, name):
            self.card = None
            self.selected = self.halted = False
            return 0x41, b"", self.rf_delay_s / 2
        if self._take(SimFault.READ_FAILURE, name):
            self.selected = False
            return 0x41, b"", self.rf_delay_s
        self.reads += 1
        self.halted = True
        return 0x90, C.build_read_data(self.card.blocks(with_fingerprint), with_fingerprint), self.rf_delay_s


def _command_name(payload: bytes, appended: C.Command) -> str:
    for command in (*C.ALL_COMMANDS, appended):
        if payload[:2] == bytes([command.cmd, command.para]):
            return "read_appended_address" if command is appended else command.name
    return "unknown"


# --- the links ------------------------------------------------------------------------------
class _LinkServer:
    """Pumps bytes between a link and the model; the reply is paced at the baud rate."""

    def __init__(self, model: ReaderModel, baudrate: int) -> None:
        self.model = model
        self.baudrate = baudrate
        self.decoder = FrameDecoder()
        self.bytes_in = 0
        self.bytes_out = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()
        self._open()
        self._thread = threading.Thread(target=self._run, name=f"idcard-sim-{type(self).__name__}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self._close()

    def _byte_time(self) -> float:
        return 10.0 / self.baudrate

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._receive(0.05)
            except OSError:
                data = b""
                time.sleep(0.05)
            if not data:
                continue
            self.bytes_in += len(data)
            # The request's own wire time: the reader only has it once the last byte arrived.
            time.sleep(len(data) * self._byte_time())
            for item in self.decoder.feed(data):
                try:
                    reply = (self.model.handle_error(item) if isinstance(item, FrameError)
                             else self.model.handle(item))
                except Exception:  # a simulator bug must show up, not look like a silent reader
                    log.exception("simulator failed to answer a request")
                    continue
                if reply is not None:
                    if reply.delay_s:
                        self._stop.wait(reply.delay_s)
                    self._send_paced(reply.data)

    def _send_paced(self, data: bytes) -> None:
        if not data:
            return
        per_chunk = max(1, self.baudrate // 10 // 500)  # ~2 ms of wire time per write
        start = time.perf_counter()
        sent = 0
        while sent < len(data) and not self._stop.is_set():
            chunk = data[sent:sent + per_chunk]
            try:
                self._transmit(chunk)
            except OSError:
                return  # nobody listening: the bytes are lost, as on a real line
            sent += len(chunk)
            self.bytes_out += len(chunk)
            delay = start + sent * self._byte_time() - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    # link-specific
    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _receive(self, timeout_s: float) -> bytes:
        raise NotImplementedError

    def _transmit(self, data: bytes) -> None:
        raise NotImplementedError


class PtyLink(_LinkServer):
    """A pty pair; the driver opens a stable symlink to the slave (like /dev/serial/by-id/…)."""

    def __init__(self, model: ReaderModel, baudrate: int) -> None:
        super().__init__(model, baudrate)
        self._dir = Path(tempfile.mkdtemp(prefix="idcard-sim-"))
        self.link_path = self._dir / "ttyIDCARD"
        self._master = -1
        self._slave = -1

    @property
    def url(self) -> str:
        return str(self.link_path)

    def _open(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo or line editing before the driver configures it
        os.set_blocking(self._master, False)
        tmp = self._dir / "ttyIDCARD.new"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(self._slave))
        tmp.replace(self.link_path)

    def _close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.link_path.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def _receive(self, timeout_s: float) -> bytes:
        if self._master < 0:
            time.sleep(timeout_s)
            return b""
        ready, _, _ = select.select([self._master], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return os.read(self._master, 4096)
        except BlockingIOError:
            return b""

    def _transmit(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + 0.5
        while view:
            try:
                n = os.write(self._master, view)
                view = view[n:]
            except BlockingIOError as e:  # the driver is not reading: drop after a while
                if time.monotonic() > deadline:
                    raise OSError(errno.EAGAIN, "pty full") from e
                select.select([], [self._master], [], 0.05)

    def cleanup(self) -> None:
        with contextlib.suppress(OSError):
            self._dir.rmdir()


class SocketLink(_LinkServer):
    """A TCP server on 127.0.0.1 (port 0 = ephemeral); the driver opens socket://127.0.0.1:PORT."""

    def __init__(self, model: ReaderModel, baudrate: int, port: int = 0) -> None:
        super().__init__(model, baudrate)
        self.port = port
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _open(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(2)
        self.port = server.getsockname()[1]
        self._server = server

    def _close(self) -> None:
        for s in (self._client, self._server):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()
        self._client = self._server = None

    def _receive(self, timeout_s: float) -> bytes:
        watch = [s for s in (self._server, self._client) if s is not None]
        if not watch:
            time.sleep(timeout_s)
            return b""
        ready, _, _ = select.select(watch, [], [], timeout_s)
        if self._server is not None and self._server in ready:
            conn, _ = self._server.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._client is not None:  # a new connection replaces the old one
                with contextlib.suppress(OSError):
                    self._client.close()
            self._client = conn
            self.decoder.reset()
            return b""
        if self._client is not None and self._client in ready:
            data = self._client.recv(4096)
            if not data:
                self._client.close()
                self._client = None
            return data
        return b""

    def _transmit(self, data: bytes) -> None:
        if self._client is None:
            raise OSError(errno.ENOTCONN, "no client")
        self._client.sendall(data)


# --- the control object ----------------------------------------------------------------------
@dataclass
class IdCardSimulator:
    """Model + link, with the control API the tests, the dev dock and the CLI use."""

    link_kind: str = "pty"
    baudrate: int = 115200
    people_file: Path | None = None
    rf_delay_s: float = 0.0
    appended_address_command: str = "30 03"
    model: ReaderModel = field(init=False)
    link: _LinkServer = field(init=False)
    plugged: bool = field(init=False, default=False)
    _listeners: list[Callable[[], None]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.model = ReaderModel(load_people(self.people_file), rf_delay_s=self.rf_delay_s,
                                 appended_address_command=self.appended_address_command)
        if self.link_kind == "pty":
            self.link = PtyLink(self.model, self.baudrate)
        elif self.link_kind == "socket":
            self.link = SocketLink(self.model, self.baudrate)
        else:
            raise ValueError(f"unknown simulator link {self.link_kind!r} (pty or socket)")

    # lifecycle
    def start(self) -> IdCardSimulator:
        self.link.start()
        self.plugged = True
        self._changed()
        return self

    def stop(self) -> None:
        self.link.stop()
        self.plugged = False
        if isinstance(self.link, PtyLink):
            self.link.cleanup()

    def __enter__(self) -> IdCardSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> str:
        """What the driver opens: the pty symlink path or a socket:// URL."""
        return self.link.url

    # controls
    @property
    def people(self) -> dict[str, TestPerson]:
        return self.model.people

    def insert_card(self, person_id: str) -> None:
        self.model.insert_card(person_id)
        self._changed()

    def remove_card(self) -> None:
        self.model.remove_card()
        self._changed()

    def set_fault(self, fault: SimFault | str, count: int | None = None, command: str | None = None) -> None:
        self.model.set_fault(fault, count, command)
        self._changed()

    def clear_faults(self) -> None:
        self.model.clear_faults()
        self._changed()

    def unplug(self) -> None:
        """The cable is pulled: the port disappears (pty) or the socket closes."""
        self.link.stop()
        self.plugged = False
        self._changed()

    def replug(self) -> None:
        self.link.start()
        self.plugged = True
        self._changed()

    def snapshot(self) -> dict[str, Any]:
        return {**self.model.snapshot(), "plugged": self.plugged, "port": self.port,
                "bytes_in": self.link.bytes_in, "bytes_out": self.link.bytes_out}

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.devices.idcard.simulator",
                                     description="ID-card reader simulator (device side)")
    parser.add_argument("--link", choices=["pty", "socket"], default="pty")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--people", type=Path, default=None)
    parser.add_argument("--insert", metavar="PERSON", help="start with this test person's card on the reader")
    parser.add_argument("--rf-delay", type=float, default=0.0, help="extra seconds before a read answer")
    args = parser.parse_args(argv)
    sim = IdCardSimulator(args.link, args.baud, args.people, args.rf_delay).start()
    if args.insert:
        sim.insert_card(args.insert)
    print(sim.port, flush=True)
    print("commands: list | insert PERSON | remove | fault NAME [COUNT] | clear | unplug | replug | status | quit",
          file=sys.stderr, flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            try:
                _console_command(sim, words)
            except (KeyError, ValueError) as e:
                print(f"error: {e}", file=sys.stderr, flush=True)
            if words[0] == "quit":
                break
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _console_command(sim: IdCardSimulator, words: list[str]) -> None:
    cmd, rest = words[0], words[1:]
    if cmd == "list":
        for p in sim.people.values():
            print(f"{p.id:20} {p.label}", file=sys.stderr)
    elif cmd == "insert":
        sim.insert_card(rest[0])
    elif cmd == "remove":
        sim.remove_card()
    elif cmd == "fault":
        sim.set_fault(rest[0], int(rest[1]) if len(rest) > 1 else None)
    elif cmd == "clear":
        sim.clear_faults()
    elif cmd == "unplug":
        sim.unplug()
    elif cmd == "replug":
        sim.replug()
    elif cmd == "status":
        print(sim.snapshot(), file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
