"""Demo and test set-up of a local CUPS: start cupsd if needed, add a cups-pdf A4 queue.

cups-pdf reads ``/etc/cups/cups-pdf-<name>.conf`` for a device URI ``cups-pdf:/<name>``, so the
kiosk's queue gets its own output directory without touching the shared cups-pdf.conf.
Needs root (cupsd, lpadmin, /etc/cups). Never used in production mode.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from pathlib import Path

from kiosk.devices.a4.cups import CupsClient, SpoolerError

log = logging.getLogger(__name__)

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_MODEL = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")


def _run(args: list[str], timeout_s: float = 20.0) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as e:
        raise SpoolerError(f"{args[0]}: {e}") from e


def start_cupsd(client: CupsClient, wait_s: float = 10.0) -> bool:
    """Start cupsd unless it runs; True when it was started here."""
    if client.scheduler_running():
        return False
    if not Path(CUPSD).exists():
        raise SpoolerError("cupsd not installed (apt-get install cups)", down=True)
    r = _run([CUPSD])  # forks into the background
    if r.returncode != 0:
        raise SpoolerError(f"cupsd failed to start: {r.stderr.strip()}", down=True)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if client.scheduler_running():
            log.info("cupsd started", extra={"fields": {"server": client.server}})
            return True
        time.sleep(0.1)
    raise SpoolerError("cupsd did not come up", down=True)


def ensure_pdf_queue(client: CupsClient, queue: str, output_dir: Path) -> None:
    """Create (or repair) ``queue`` as a cups-pdf printer writing into ``output_dir``."""
    if not CUPS_PDF_BACKEND.exists():
        raise SpoolerError("cups-pdf backend missing (apt-get install printer-driver-cups-pdf)")
    output_dir.mkdir(parents=True, exist_ok=True)
    conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    wanted = (f"Out {output_dir}\n"
              f"AnonDirName {output_dir}\nLabel 1\nGrp root\n")
    if not conf.exists() or conf.read_text() != wanted:
        conf.write_text(wanted)
    state = client.queue_state(queue)
    if not state.exists:
        model = ["-P", str(CUPS_PDF_PPD)] if CUPS_PDF_PPD.exists() else ["-m", CUPS_PDF_MODEL]
        r = _run(["lpadmin", "-h", client.server, "-p", queue, "-E", "-v", f"cups-pdf:/{queue}",
                  *model, "-o", "PageSize=A4", "-D", "Kiosk A4 (PDF simulator)"])
        if r.returncode != 0:
            raise SpoolerError(f"lpadmin failed: {r.stderr.strip()}")
        log.info("A4 queue created", extra={"fields": {"queue": queue, "output": str(output_dir)}})
        state = client.queue_state(queue)
    if state.stopped:
        _run(["cupsenable", "-h", client.server, queue])
    if not state.accepting:
        _run(["cupsaccept", "-h", client.server, queue])


def ensure_spooler(client: CupsClient, queue: str, output_dir: Path) -> bool:
    """cupsd running and the PDF queue ready; True when cupsd had to be started."""
    if shutil.which("lpstat") is None:
        raise SpoolerError("cups-client not installed", down=True)
    started = start_cupsd(client)
    ensure_pdf_queue(client, queue, output_dir)
    return started
