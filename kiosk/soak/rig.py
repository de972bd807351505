"""The reference platform in a process of its own, for the long soak: what the soak measures in
its process (memory, threads, descriptors) is then the kiosk's, not uvicorn's or the platform
database's. The fault proxy stays in the soak's process, in front of it, as the demo wires it
(``app.simulators["platform"]``, ``app.set_platform_offline``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.app import KioskApp


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ExternalPlatform:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    proxy: Any  # platform_server.faultproxy.FaultProxy

    @classmethod
    def start(cls, data_dir: Path, log: Path, timeout_s: float = 60.0) -> ExternalPlatform:
        """``python -m platform_server`` on a free loopback port (demo data, terminals enrolled on
        first contact, the /admin inspection endpoints on), and the fault proxy before it."""
        import requests

        from platform_server.faultproxy import FaultProxy

        data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "platform_server", "--data-dir", str(data_dir), "--port", str(port),
                 "--auto-enroll", "--admin"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the reference platform did not start (see {log})")
            time.sleep(0.2)
        return cls(process, port, data_dir, FaultProxy(port).start())

    def kiosk_env(self) -> dict[str, str]:
        """Configuration for a kiosk that talks to this platform through the proxy."""
        return {"KIOSK__PLATFORM__START_LOCAL": "false",
                "KIOSK__PLATFORM__BASE_URL": f'"{self.proxy.base_url}"',
                "KIOSK__PLATFORM__PUBLIC_KEYS_FILE": f'"{self.data_dir / "platform_public.json"}"'}

    def attach(self, app: KioskApp) -> None:
        """The dev dock's wiring of the demo proxy (what ``start_queue_services`` does in-process)."""
        app.simulators["platform"] = self.proxy
        app.platform_offline_hook = self.proxy.set_refusing

    def applications(self) -> list[dict[str, str]]:
        """Every application the platform's database holds."""
        import requests

        r = requests.get(f"http://127.0.0.1:{self.port}/admin/applications", timeout=30)
        r.raise_for_status()
        return list(r.json()["applications"])

    def stop(self) -> None:
        self.proxy.stop()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
