"""A fault-injecting HTTP/1.1 proxy on loopback, between the kiosk and the reference platform.

Tests schedule faults per request (matched by method and path prefix), each consumed once:

- ``reset_before``: the request never reaches the platform; the connection is reset (RST).
- ``reset_after``: the platform processes the request, then the kiosk's connection is reset.
- ``timeout``: the platform processes the request; the answer is withheld for ``delay_s``.
- ``slow``: the answer is trickled out over ``delay_s``.
- ``http_status`` / ``http_429``: the proxy answers itself (``status``, or 429 + Retry-After).
- ``garbage``: the platform processes it; the kiosk gets 200 with a body of random bytes.
- ``bad_signature``: the platform processes it; the ``signature`` field of the answer is altered.

:meth:`FaultProxy.set_refusing` closes the listening socket (connection refused) and reopens it on
the same port. Every request is logged with its time and the fault applied.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class FaultRule:
    mode: str
    method: str | None = None
    path_prefix: str = ""
    count: int = 1
    delay_s: float = 1.0
    status: int = 503
    retry_after_s: int = 1


@dataclass
class ProxyLogEntry:
    time: float
    method: str
    path: str
    fault: str | None


@dataclass
class _Request:
    head: bytes
    method: str
    path: str
    body: bytes


LOG_ENTRIES = 1_000  # the newest requests kept (the demo's proxy runs for days)


@dataclass
class FaultProxy:
    upstream_port: int
    upstream_host: str = "127.0.0.1"
    rules: list[FaultRule] = field(default_factory=list)
    log: deque[ProxyLogEntry] = field(default_factory=lambda: deque(maxlen=LOG_ENTRIES))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._stop = threading.Event()
        self.port = 0
        self._accept_thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._listen()
        return self

    def _listen(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self.port = s.getsockname()[1]
        self._listener = s
        self._accept_thread = threading.Thread(target=self._accept, args=(s,), daemon=True,
                                               name="fault-proxy")
        self._accept_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._close_listener()
        with self._lock:
            for c in list(self._clients):
                _close(c)
            self._clients.clear()

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
            if self._accept_thread is not None:
                self._accept_thread.join(2)

    def set_refusing(self, refusing: bool) -> None:
        """Refused connections: no listener on the port (and open connections dropped)."""
        if refusing:
            self._close_listener()
            with self._lock:
                for c in list(self._clients):
                    _drop(c)
                self._clients.clear()
        elif self._listener is None:
            self._listen()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def requests(self, method: str | None = None, path_prefix: str = "") -> list[ProxyLogEntry]:
        with self._lock:
            return [e for e in self.log if (method is None or e.method == method)
                    and e.path.startswith(path_prefix)]

    def _match(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.count > 0 and (rule.method is None or rule.method == method) \
                        and path.startswith(rule.path_prefix):
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                    return rule
            return None

    # -- connection handling --------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True, name="fault-proxy-client").start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            while True:
                req = _read_request(client)
                if req is None:
                    return
                rule = self._match(req.method, req.path)
                mode = rule.mode if rule else None
                with self._lock:
                    self.log.append(ProxyLogEntry(time.time(), req.method, req.path, mode))
                if rule is not None and mode == "reset_before":
                    _reset(client)
                    return
                if rule is not None and mode in ("http_status", "http_429"):
                    status = 429 if mode == "http_429" else rule.status
                    body = json.dumps({"error": {"code": "INJECTED", "message": mode}}).encode()
                    extra = f"Retry-After: {rule.retry_after_s}\r\n" if status == 429 else ""
                    client.sendall(_response(status, body, extra))
                    continue
                for _ in range(2):
                    try:
                        if upstream is None:
                            upstream = socket.create_connection((self.upstream_host,
                                                                 self.upstream_port), timeout=60)
                        upstream.sendall(req.head + req.body)
                        head, body = _read_response(upstream, req.method)
                        break
                    except (OSError, ConnectionError):
                        if upstream is not None:
                            _close(upstream)
                        upstream = None
                else:
                    _reset(client)
                    return
                if rule is None:
                    client.sendall(head + body)
                    continue
                if mode == "reset_after":
                    _reset(client)
                    return
                if mode == "timeout":
                    self._stop.wait(rule.delay_s)
                    _reset(client)
                    return
                if mode == "slow":
                    data = head + body
                    pieces = 8
                    step = max(1, len(data) // pieces + 1)
                    for i in range(0, len(data), step):
                        client.sendall(data[i:i + step])
                        time.sleep(rule.delay_s / pieces)
                    continue
                if mode == "garbage":
                    client.sendall(_response(200, os.urandom(64) + b"\x00{not json",
                                             "", "application/json"))
                    continue
                if mode == "bad_signature":
                    client.sendall(_tamper_signature(head, body))
                    continue
                client.sendall(head + body)
        except OSError:
            return
        finally:
            with self._lock:
                self._clients.discard(client)
            _close(client)
            if upstream is not None:
                _close(upstream)


def _close(s: socket.socket) -> None:
    try:
        s.close()
    except OSError:
        pass


def _drop(s: socket.socket) -> None:
    """End a connection that another thread is reading: ``close()`` alone does not interrupt a
    blocked ``recv`` on Linux (the connection stayed up and a request sent after "refusing" still
    reached the platform), ``shutdown`` does; then close with RST."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    _close(s)


def _reset(s: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0)."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(s)


def _read_until_blank(sock: socket.socket, buf: bytearray) -> tuple[bytes, bytearray] | None:
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    i = buf.index(b"\r\n\r\n") + 4
    return bytes(buf[:i]), bytearray(buf[i:])


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return int(v.strip())
    return 0


def _read_body(sock: socket.socket, rest: bytearray, n: int) -> bytes:
    while len(rest) < n:
        chunk = sock.recv(max(65536, n - len(rest)))
        if not chunk:
            raise ConnectionError("peer closed mid-body")
        rest += chunk
    return bytes(rest[:n])


def _read_request(sock: socket.socket) -> _Request | None:
    got = _read_until_blank(sock, bytearray())
    if got is None:
        return None
    head, rest = got
    method, path, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    body = _read_body(sock, rest, _content_length(head))
    return _Request(head, method, path, body)


def _read_response(sock: socket.socket, method: str) -> tuple[bytes, bytes]:
    got = _read_until_blank(sock, bytearray())
    if got is None:
        raise ConnectionError("upstream closed")
    head, rest = got
    status = int(head.split(b" ", 2)[1])
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head, b""
    return head, _read_body(sock, rest, _content_length(head))


def _response(status: int, body: bytes, extra_headers: str = "",
              content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status} FAULT\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra_headers}\r\n").encode() + body


def _tamper_signature(head: bytes, body: bytes) -> bytes:
    try:
        doc = json.loads(body)
        sig = doc["signature"]
        doc["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
        new_body = json.dumps(doc).encode()
    except (ValueError, KeyError, TypeError, IndexError):
        new_body = body
    lines = [ln for ln in head.split(b"\r\n") if ln and not ln.lower().startswith(b"content-length")]
    lines.append(b"Content-Length: " + str(len(new_body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + new_body
