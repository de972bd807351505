"""Run the reference platform: in a background thread (demo, tests) or as ``kiosk-platform``."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from platform_server.app import create_app
from platform_server.keys import PUBLIC_FILE
from platform_server.settings import DEFAULT_CATALOGUE, ServerSettings


@dataclass
class PlatformHandle:
    """A running reference platform: where it listens and the keys a kiosk must be given."""

    base_url: str
    port: int
    data_dir: Path
    signing_public_key: str
    encryption_public_key: str
    public_keys_file: Path
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    app: Any = field(repr=False, default=None)

    def register_terminal(self, terminal_id: str, public_key_b64: str) -> None:
        from platform_server.db import Terminal

        with self.app.state.sessions() as s:
            t = s.get(Terminal, terminal_id)
            if t is None:
                s.add(Terminal(terminal_id=terminal_id, public_key=public_key_b64))
            else:
                t.public_key = public_key_b64
            s.commit()

    def applications(self) -> list[dict[str, str]]:
        """Every received application (test inspection)."""
        from sqlalchemy import select

        from platform_server.db import Application

        with self.app.state.sessions() as s:
            return [{"application_id": r.application_id, "case_number": r.case_number,
                     "request_sha256": r.request_sha256}
                    for r in s.scalars(select(Application)).all()]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.app.state.engine.dispose()


def start_local_platform(data_dir: Path, *, port: int = 0, catalogue_path: Path | None = None,
                         terminals: dict[str, str] | None = None, auto_enroll: bool = True,
                         admin_enabled: bool = True, database_url: str | None = None
                         ) -> PlatformHandle:
    """Start the reference platform on 127.0.0.1 in a daemon thread and wait until it answers.

    ``port=0`` picks a free ephemeral port. Keys are generated into ``data_dir`` on first start;
    ``data_dir/platform_public.json`` holds the public keys a kiosk is configured with."""
    settings = ServerSettings(data_dir=Path(data_dir), database_url=database_url,
                              catalogue_path=catalogue_path or DEFAULT_CATALOGUE,
                              auto_enroll=auto_enroll, admin_enabled=admin_enabled,
                              terminals=dict(terminals or {}))
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="reference-platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("reference platform did not start")
        time.sleep(0.01)
    pub = json.loads((settings.data_dir / PUBLIC_FILE).read_text())
    return PlatformHandle(base_url=f"http://127.0.0.1:{bound}", port=bound,
                          data_dir=settings.data_dir,
                          signing_public_key=pub["signing_public_key"],
                          encryption_public_key=pub["encryption_public_key"],
                          public_keys_file=settings.data_dir / PUBLIC_FILE,
                          _server=server, _thread=thread, app=app)
