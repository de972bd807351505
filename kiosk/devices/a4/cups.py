"""CUPS through its command-line clients (lp, lpstat, cancel, ipptool from cups-client / cups-ipp-utils).

Chosen over pycups: pycups has no wheel (it compiles against libcups2-dev), and the CLI tools are
the interface CUPS itself keeps stable; ipptool gives the exact IPP job and printer states
(``-c`` prints CSV) that ``lpstat`` does not show (completed vs aborted).
Every call has a timeout and runs on the A4 device thread, never on the UI thread.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import PROJECT_ROOT

IPP_DIR = PROJECT_ROOT / "assets" / "printer"
CALL_TIMEOUT_S = 10.0


class SpoolerError(Exception):
    """cupsd cannot be reached or a CUPS tool failed; ``down`` when the scheduler is not running."""

    def __init__(self, message: str, *, down: bool = False) -> None:
        super().__init__(message)
        self.down = down


@dataclass(frozen=True)
class QueueState:
    exists: bool
    state: str = ""  # idle / processing / stopped
    reasons: tuple[str, ...] = ()
    accepting: bool = False
    message: str = ""

    @property
    def stopped(self) -> bool:
        return self.state == "stopped"


@dataclass(frozen=True)
class JobState:
    job_id: int
    state: str  # pending, pending-held, processing, processing-stopped, canceled, aborted, completed, unknown
    reasons: tuple[str, ...] = ()
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "canceled", "aborted")


def _run(args: list[str], timeout_s: float = CALL_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=False,
                              env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C"})
    except FileNotFoundError as e:
        raise SpoolerError(f"{args[0]} not installed (apt-get install cups-client)") from e
    except subprocess.TimeoutExpired as e:
        raise SpoolerError(f"{args[0]} did not answer in {timeout_s}s") from e


def _csv_row(text: str) -> dict[str, str] | None:
    rows = list(csv.reader(io.StringIO(text.strip())))
    if len(rows) < 2:
        return None
    return dict(zip(rows[0], rows[1], strict=False))


class CupsClient:
    def __init__(self, server: str = "localhost:631") -> None:
        self.server = server

    def _uri(self, queue: str) -> str:
        return f"ipp://{self.server}/printers/{queue}"

    def _ipptool(self, queue: str, test: str, *defines: str) -> dict[str, str] | None:
        args = ["ipptool", "-c", "-T", "5"]
        for d in defines:
            args += ["-d", d]
        r = _run([*args, self._uri(queue), str(IPP_DIR / test)])
        if "Unable to connect" in r.stderr or "Connection refused" in r.stderr:
            raise SpoolerError(f"cupsd not reachable at {self.server}", down=True)
        return _csv_row(r.stdout)

    def scheduler_running(self) -> bool:
        r = _run(["lpstat", "-h", self.server, "-r"])
        return r.returncode == 0 and "is running" in r.stdout and "not running" not in r.stdout

    def queue_state(self, queue: str) -> QueueState:
        row = self._ipptool(queue, "ipp-printer-state.test")
        if row is None or not row.get("printer-state"):
            return QueueState(False)
        reasons = tuple(x for x in row.get("printer-state-reasons", "").split(",") if x and x != "none")
        return QueueState(True, row["printer-state"], reasons, row.get("printer-is-accepting-jobs") == "true",
                          row.get("printer-state-message", ""))

    def submit(self, queue: str, pdf: Path, title: str) -> int:
        r = _run(["lp", "-h", self.server, "-d", queue, "-t", title, "-o", "media=A4", str(pdf)])
        m = re.search(r"request id is \S+-(\d+)", r.stdout)
        if r.returncode != 0 or m is None:
            raise SpoolerError((r.stderr or r.stdout).strip() or f"lp exited with {r.returncode}",
                               down="not running" in r.stderr or "Unable to connect" in r.stderr)
        return int(m.group(1))

    def job_state(self, queue: str, job_id: int) -> JobState:
        row = self._ipptool(queue, "ipp-job-state.test", f"job_id={job_id}")
        if row is None or not row.get("job-state"):
            return JobState(job_id, "unknown")
        reasons = tuple(x for x in row.get("job-state-reasons", "").split(",") if x and x != "none")
        return JobState(job_id, row["job-state"], reasons, row.get("job-printer-state-message", ""))

    def cancel(self, queue: str, job_id: int) -> None:
        _run(["cancel", "-h", self.server, f"{queue}-{job_id}"])
