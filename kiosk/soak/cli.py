"""``python -m kiosk.soak``: the long soak as a command (prints the figures; exit code 1 when a
budget is exceeded, an application is lost or duplicated, a receipt fails or personal data is
found on disk)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.soak import ui

if TYPE_CHECKING:
    from kiosk.app import KioskApp

# Accelerated time, by configuration only (environment overrides applied before load_config):
# the production code runs unchanged, its timers and polls are shorter.
ACCELERATED_ENV = {
    # ID-card reader: a faster simulated line, short polls
    "KIOSK__DEVICES__IDCARD__BAUDRATE": "921600",
    "KIOSK__DEVICES__IDCARD__POLL_INTERVAL_S": "0.02",
    "KIOSK__DEVICES__IDCARD__REMOVAL_POLL_INTERVAL_S": "0.02",
    "KIOSK__DEVICES__IDCARD__FAULT_POLL_INTERVAL_S": "0.1",
    # receipt printer: status poll every half second
    "KIOSK__DEVICES__PRINTER__POLL_INTERVAL_S": "0.5",
    # UI timers: the 90 s idle timeout takes 2.7 s, its 30 s countdown 0.9 s
    "KIOSK__UI__TIME_SCALE": "0.03",
    # offline queue: retries after a network drop within seconds, not minutes
    "KIOSK__QUEUE__BACKOFF_BASE_S": "0.2",
    "KIOSK__QUEUE__BACKOFF_CAP_S": "2.0",
    "KIOSK__QUEUE__POLL_INTERVAL_S": "0.5",
    # cameras: the still at preview size, a shorter steadiness wait before the auto-capture
    "KIOSK__DEVICES__DOC_CAMERA__STILL_WIDTH": "0",
    "KIOSK__DEVICES__DOC_CAMERA__STILL_HEIGHT": "0",
    "KIOSK__DEVICES__DOC_CAMERA__STABLE_FRAMES": "3",
    "KIOSK__DEVICES__FACE_CAMERA__FACE_QUALITY_FRAMES": "2",
}
DEVICES = ["idcard", "printer", "doc_camera", "face_camera"] + (["a4"] if os.geteuid() == 0 else [])


def bring_up(app: KioskApp, devices: set[str], timeout_s: float = 90.0) -> str | None:
    """Start the queue services (and the local reference platform behind its fault proxy) and
    ``devices``, and wait until all are up; what did not come up, or None."""
    from kiosk.devices.base import DeviceState

    if app.services is None:
        app.start_services()
    app.start_devices(only=devices)
    if not ui.wait_for(lambda: app.services is not None, timeout_s):
        return "the queue services did not start"

    def online() -> bool:
        return devices <= set(app.devices) and all(
            app.devices[d].runner.device.status.state is DeviceState.ONLINE for d in devices)

    if not ui.wait_for(online, timeout_s):
        states = {d: str(app.devices[d].runner.device.status.state) if d in app.devices else "missing"
                  for d in sorted(devices)}
        return f"devices not online: {states}"
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.soak",
                                description="soak the kiosk with simulated citizen sessions")
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fault-every", type=int, default=6, help="a device fault every N sessions")
    p.add_argument("--abandon-rate", type=float, default=0.08, help="citizens who walk away mid-journey")
    p.add_argument("--drop-rate", type=float, default=0.05, help="chance of a network drop per session")
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    p.add_argument("--devices", nargs="*", default=DEVICES)
    p.add_argument("--dir", type=Path, default=None,
                   help="keep the run's data, logs and temp files here (default: removed afterwards)")
    p.add_argument("--platform", choices=("process", "in-kiosk"), default="process",
                   help="the reference platform in a process of its own (default: the figures are "
                        "the kiosk's), or inside the kiosk's process as the demo starts it")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as scratch:
        tmp = str(args.dir.resolve()) if args.dir else scratch
        external = None
        if args.platform == "process":
            from kiosk.soak.rig import ExternalPlatform

            Path(tmp).mkdir(parents=True, exist_ok=True)
            external = ExternalPlatform.start(Path(tmp) / "platform-server", Path(tmp) / "platform-server.log")
            os.environ.update(external.kiosk_env())
        for key, value in {**ACCELERATED_ENV, "KIOSK__PATHS__DATA_DIR": f'"{tmp}/data"',
                           "KIOSK__PATHS__LOG_DIR": f'"{tmp}/logs"', "KIOSK__PATHS__TEMP_DIR": f'"{tmp}/tmp"',
                           "KIOSK__LOGGING__ALSO_STDERR": "false"}.items():
            os.environ.setdefault(key, value)
        from kiosk import audit
        from kiosk.app import KioskApp
        from kiosk.config import load_config
        from kiosk.logs import install_crash_handler, setup_logging
        from kiosk.qt import QtWidgets
        from kiosk.soak.run import Soak, privacy_scan

        config = load_config("demo")
        log_dir = config.path(config.paths.log_dir)
        setup_logging(log_dir, "INFO", also_stderr=False)
        audit.configure(log_dir / audit.AUDIT_FILE_NAME)
        qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
        app = KioskApp(config, kiosk_mode=False, show_devdock=False)
        install_crash_handler(on_crash=app.crashed.emit)
        app.show()
        problem = bring_up(app, set(args.devices))
        if problem:
            print(problem, file=sys.stderr)
            app.close()
            if external is not None:
                external.stop()
            return 2
        if external is not None:
            external.attach(app)
        soak = Soak(app, seed=args.seed, fault_every=args.fault_every, abandon_rate=args.abandon_rate,
                    drop_rate=args.drop_rate, platform=external)
        report = soak.run(args.sessions, sample_every=args.sample_every,
                          progress=lambda s: print(
                              f"  after {s.sessions}: RSS {s.rss_mb} MB, threads {s.threads}, fds {s.fds}, "
                              f"DB connections {s.db_connections} (in use {s.db_checked_out}, fds {s.db_fds}), "
                              f"Qt objects {s.qt_objects} ({s.seconds} s)", flush=True))
        privacy_scan(app, report, external.data_dir if external is not None else None)
        app.close()
        if external is not None:
            external.stop()
        del qapp
    print(report.text())
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if report.failures() else 0
