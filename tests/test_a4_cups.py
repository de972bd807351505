"""A4 printing through a real cupsd with a cups-pdf queue (started and set up here if needed)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import A4PrinterConfig
from kiosk.devices.a4 import A4Printer, errors, load_template, render_certificate
from kiosk.devices.a4.cups import CupsClient, SpoolerError
from kiosk.devices.a4.spooler_setup import ensure_spooler
from kiosk.devices.base import CancelToken, DeviceState, Outcome

pytestmark = pytest.mark.cups


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    name = f"KioskA4Test{os.getpid()}"
    out = tmp_path_factory.mktemp("cups-pdf")
    client = CupsClient()
    try:
        ensure_spooler(client, name, out)
    except SpoolerError as e:
        if e.down and os.geteuid() != 0:
            pytest.skip(f"cupsd cannot run here (not root, no running scheduler): {e}")
        raise
    yield name, out
    subprocess.run(["lpadmin", "-x", name], check=False, capture_output=True)
    Path(f"/etc/cups/cups-pdf-{name}.conf").unlink(missing_ok=True)


def make_printer(rig: tuple[str, Path], **kw: object) -> A4Printer:
    name, out = rig
    settings: dict[str, object] = {"queue": name, "pdf_output_dir": out, "job_timeout_s": 30, **kw}
    cfg = A4PrinterConfig(**settings)  # type: ignore[arg-type]
    return A4Printer(cfg, set_up_simulator=False)


def certificate() -> bytes:
    tpl = load_template("social_insurance_payment")
    return render_certificate(tpl.id, tpl.sample, reference="VR-CUPS-1", verify_url="https://v.invalid/VR-CUPS-1",
                              issuer="演示支行")


def test_certificate_prints_through_cupsd(queue: tuple[str, Path]) -> None:
    printer = make_printer(queue)
    assert printer.open().ok
    assert printer.status.state is DeviceState.ONLINE
    result = printer.print_pdf(certificate(), "kiosk-test", CancelToken())
    assert result.ok, result
    report = result.value
    assert report is not None and report.state == "completed"
    assert report.output is not None and report.output.parent == queue[1]
    info = subprocess.run(["pdfinfo", str(report.output)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "595 x 842" in info  # A4
    text = subprocess.run(["pdftotext", str(report.output), "-"], capture_output=True, text=True).stdout
    assert "110101199003071234" in text  # the document that came out is ours
    assert printer.status.state is DeviceState.ONLINE


def test_stopped_queue_is_reported_before_submitting(queue: tuple[str, Path]) -> None:
    name, _ = queue
    printer = make_printer(queue)
    subprocess.run(["cupsdisable", "-r", "paper jam (test)", name], check=True)
    try:
        result = printer.print_pdf(certificate(), "kiosk-test", CancelToken())
        assert result.outcome is Outcome.NOT_READY and result.error_code == errors.QUEUE_STOPPED
        assert printer.status.state is DeviceState.OFFLINE
        assert printer.status.detail["message"] == "paper jam (test)"
    finally:
        subprocess.run(["cupsenable", name], check=True)
    assert printer.refresh_status().ok


def test_rejecting_queue(queue: tuple[str, Path]) -> None:
    name, _ = queue
    printer = make_printer(queue)
    subprocess.run(["cupsreject", name], check=True)
    try:
        assert printer.print_pdf(certificate(), "t", CancelToken()).error_code == errors.QUEUE_REJECTING
    finally:
        subprocess.run(["cupsaccept", name], check=True)


def test_absent_queue(queue: tuple[str, Path]) -> None:
    printer = make_printer(queue, queue="NoSuchKioskQueue")
    result = printer.open()
    assert not result.ok and result.error_code == errors.QUEUE_ABSENT
    assert printer.status.state is DeviceState.NO_DEVICE


def test_failed_job_is_reported(queue: tuple[str, Path]) -> None:
    printer = make_printer(queue)
    result = printer.print_pdf(b"%PDF-1.4\n1 0 obj broken\n", "kiosk-broken", CancelToken())
    assert not result.ok
    assert result.error_code == errors.JOB_FAILED, result
    assert printer.refresh_status().ok  # the queue goes on working


def test_spooler_down_is_reported() -> None:
    printer = A4Printer(A4PrinterConfig(server="127.0.0.1:9"), set_up_simulator=False)
    result = printer.open()
    assert result.error_code == errors.SPOOLER_DOWN
    assert printer.status.state is DeviceState.NO_DEVICE


def test_print_certificate_through_the_runner(queue: tuple[str, Path]) -> None:
    from kiosk.devices.a4 import create_a4_runner

    printer = make_printer(queue)
    runner = create_a4_runner(printer)
    runner.start()
    try:
        tpl = load_template("insurance_enrollment")
        job = runner.submit(lambda token: printer.print_certificate(tpl.id, tpl.sample, reference="VR-RUN-1",
                                                                    token=token), timeout_s=30)
        result = job.result(30)
        assert result.ok, result
        assert result.value is not None and result.value.output is not None
        assert "kiosk-insurance_enrollment-VR-RUN-1" in result.value.output.name
        bad = runner.submit(lambda token: printer.print_certificate(tpl.id, {}, reference="VR-RUN-2", token=token),
                            timeout_s=30).result(30)
        assert bad.error_code == errors.RENDER_FAILED and "name" in bad.detail
    finally:
        runner.stop()


def _held_job(name: str) -> int:
    """A job CUPS keeps pending (held) — for following a job that does not finish."""
    pdf = Path(f"/tmp/kiosk-held-{os.getpid()}.pdf")
    pdf.write_bytes(certificate())
    out = subprocess.run(["lp", "-d", name, "-H", "indefinite", "-t", "kiosk-held", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    pdf.unlink()
    return int(re.search(r"-(\d+) ", out).group(1))  # type: ignore[union-attr]


def _job_state(job_id: int, name: str) -> str:
    return CupsClient().job_state(name, job_id).state


def test_job_not_finishing_times_out_and_is_withdrawn(queue: tuple[str, Path]) -> None:
    name, _ = queue
    printer = make_printer(queue, job_timeout_s=0.5)
    job_id = _held_job(name)
    result = printer._follow(job_id, CancelToken())
    assert result.outcome is Outcome.TIMEOUT and result.error_code == errors.JOB_TIMEOUT
    assert _job_state(job_id, name) == "canceled"


def test_cancel_while_following(queue: tuple[str, Path]) -> None:
    name, _ = queue
    printer = make_printer(queue)
    job_id = _held_job(name)
    token = CancelToken()
    token.cancel()
    result = printer._follow(job_id, token)
    assert result.outcome is Outcome.CANCELED and result.error_code == errors.JOB_CANCELED
    assert _job_state(job_id, name) == "canceled"


def test_printer_stopping_under_a_job_is_reported(queue: tuple[str, Path]) -> None:
    name, _ = queue
    printer = make_printer(queue)
    subprocess.run(["cupsdisable", "-r", "cover open (test)", name], check=True)
    try:
        pdf = Path(f"/tmp/kiosk-stop-{os.getpid()}.pdf")
        pdf.write_bytes(certificate())
        job_id = CupsClient().submit(name, pdf, "kiosk-stop")
        pdf.unlink()
        result = printer._follow(job_id, CancelToken())
        assert result.error_code == errors.QUEUE_STOPPED and "cover open (test)" in result.detail
        assert _job_state(job_id, name) == "canceled"  # withdrawn: it must not print later, unattended
    finally:
        subprocess.run(["cupsenable", name], check=True)
