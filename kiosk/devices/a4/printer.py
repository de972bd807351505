"""The A4 printer as a device on the common model: a CUPS queue, followed job by job.

Methods block on CUPS tools: they run on the A4 printer's DeviceRunner thread. ``print_pdf``
checks the queue before submitting (know before promising), then follows the job's IPP state
until completed / aborted / canceled, watching the queue too (a printer stopped mid-job is
reported, not waited out).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import A4PrinterConfig
from kiosk.devices.a4 import errors
from kiosk.devices.a4.certificate import TemplateError, ensure_font, render_certificate
from kiosk.devices.a4.cups import CupsClient, JobState, QueueState, SpoolerError
from kiosk.devices.a4.spooler_setup import ensure_spooler
from kiosk.devices.base import (
    CancelToken,
    Capabilities,
    Completion,
    DeviceState,
    DeviceStatus,
    Outcome,
    StatusHolder,
)

log = logging.getLogger(__name__)


def _key(code: str | None) -> str | None:
    return f"printer.status.{code.replace('-', '_')}" if code else None


@dataclass(frozen=True)
class A4JobReport:
    job_id: int
    state: str
    seconds: float
    pdf_bytes: int
    output: Path | None  # the simulator queue's PDF, when it can be found


class A4Printer:
    def __init__(self, config: A4PrinterConfig, *, client: CupsClient | None = None, name: str = "a4",
                 set_up_simulator: bool | None = None) -> None:
        self.name = name
        self.config = config
        self.client = client or CupsClient(config.server)
        self.set_up_simulator = config.mode == "simulator" if set_up_simulator is None else set_up_simulator
        self.status_holder = StatusHolder()
        self._capabilities = Capabilities("a4printer", f"cups:{config.queue}", frozenset({"a4", "pdf"}),
                                          {"queue": config.queue, "server": config.server})

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    def open(self) -> Completion[None]:
        try:
            ensure_font()  # the 5 MB font collection loads once, here on the device thread, not mid-journey
        except FileNotFoundError as e:
            log.warning("no CJK font for certificates", extra={"fields": {"detail": str(e)}})
        if self.set_up_simulator:
            try:
                ensure_spooler(self.client, self.config.queue, self.config.pdf_output_dir)
            except (SpoolerError, OSError) as e:
                self._publish(DeviceState.NO_DEVICE, errors.SETUP_FAILED)
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.SETUP_FAILED, _key(errors.SETUP_FAILED),
                                          str(e))
        result = self.refresh_status()
        if result.ok or result.error_code not in (errors.SPOOLER_DOWN, errors.QUEUE_ABSENT):
            return Completion.success(None)
        return Completion.failure(result.outcome, result.error_code, result.message_key, result.detail)

    def close(self) -> None:
        pass  # nothing held open: every call is a short CUPS request

    def _publish(self, state: DeviceState, code: str | None, **detail: object) -> None:
        self.status_holder.set_status(DeviceStatus(state, error_code=code, message_key=_key(code)).with_detail(
            **detail))

    def refresh_status(self, token: CancelToken | None = None) -> Completion[QueueState]:
        try:
            q = self.client.queue_state(self.config.queue)
        except SpoolerError as e:
            self._publish(DeviceState.NO_DEVICE, errors.SPOOLER_DOWN)
            return Completion.failure(Outcome.HARDWARE_ERROR, errors.SPOOLER_DOWN, _key(errors.SPOOLER_DOWN), str(e))
        code: str | None = None
        state = DeviceState.ONLINE
        if not q.exists:
            code, state = errors.QUEUE_ABSENT, DeviceState.NO_DEVICE
        elif q.stopped:
            code, state = errors.QUEUE_STOPPED, DeviceState.OFFLINE
        elif not q.accepting:
            code, state = errors.QUEUE_REJECTING, DeviceState.OFFLINE
        self._publish(state, code, queue_state=q.state, reasons=",".join(q.reasons), accepting=q.accepting,
                      message=q.message)
        if code is not None:
            return Completion.failure(Outcome.NOT_READY if q.exists else Outcome.HARDWARE_ERROR, code, _key(code),
                                      q.message or q.state)
        return Completion.success(q)

    def poll(self, token: CancelToken) -> float:
        self.refresh_status(token)
        return 5.0

    def print_pdf(self, pdf: bytes, title: str, token: CancelToken) -> Completion[A4JobReport]:
        started = time.monotonic()
        ready = self.refresh_status(token)
        if not ready.ok:
            return ready  # type: ignore[return-value]
        with tempfile.TemporaryDirectory(prefix="kiosk-a4-") as tmp:
            path = Path(tmp) / "document.pdf"
            path.write_bytes(pdf)
            try:
                job_id = self.client.submit(self.config.queue, path, title)
            except SpoolerError as e:
                code = errors.SPOOLER_DOWN if e.down else errors.SUBMIT_FAILED
                return Completion.failure(Outcome.HARDWARE_ERROR, code, _key(code), str(e))
        self._publish(DeviceState.BUSY, None, job_id=job_id)
        log.info("A4 job submitted", extra={"fields": {"device": self.name, "job_id": job_id, "bytes": len(pdf)}})
        result = self._follow(job_id, token)
        self.refresh_status()
        if not result.ok:
            return result  # type: ignore[return-value]
        assert result.value is not None
        report = A4JobReport(job_id, result.value.state, time.monotonic() - started, len(pdf),
                             self._find_output(job_id, started))
        log.info("A4 job finished", extra={"fields": {"device": self.name, "job_id": job_id,
                                                      "seconds": round(report.seconds, 3)}})
        return Completion.success(report)

    def print_certificate(self, template_id: str, data: Mapping[str, Any], *, reference: str,
                          token: CancelToken, language: str = "zh_CN") -> Completion[A4JobReport]:
        """Render a certificate (A4P-020 on a template/data error) and print it."""
        try:
            pdf = render_certificate(template_id, data, reference=reference,
                                     verify_url=self.config.verify_url_template.format(reference=reference),
                                     issuer=self.config.issuer, language=language)
        except TemplateError as e:
            log.error("certificate render failed", extra={"fields": {"template": template_id, "detail": str(e)}})
            return Completion.failure(Outcome.USER_ERROR, errors.RENDER_FAILED, _key(errors.RENDER_FAILED), str(e))
        # An ASCII job title: cups-pdf and the CUPS logs mangle other characters.
        return self.print_pdf(pdf, f"kiosk-{template_id}-{reference}", token)

    def _follow(self, job_id: int, token: CancelToken) -> Completion[JobState]:
        deadline = time.monotonic() + self.config.job_timeout_s
        while True:
            try:
                job = self.client.job_state(self.config.queue, job_id)
                queue = self.client.queue_state(self.config.queue) if not job.finished else None
            except SpoolerError as e:
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.SPOOLER_DOWN, _key(errors.SPOOLER_DOWN),
                                          str(e))
            if job.state == "completed":
                return Completion.success(job)
            if job.state == "aborted":
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.JOB_FAILED, _key(errors.JOB_FAILED),
                                          f"job {job_id} aborted: {','.join(job.reasons)} {job.message}".strip())
            if job.state == "canceled":
                return Completion.failure(Outcome.CANCELED, errors.JOB_CANCELED, _key(errors.JOB_CANCELED),
                                          f"job {job_id} canceled")
            if job.state == "processing-stopped" and any("error" in r for r in job.reasons):
                # A filter or backend failed on this document (CUPS leaves it stopped, not aborted).
                self.client.cancel(self.config.queue, job_id)
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.JOB_FAILED, _key(errors.JOB_FAILED),
                                          f"job {job_id} failed: {job.message}".strip())
            if queue is not None and (queue.stopped or job.state == "processing-stopped"):
                # The printer stopped under the job (paper, jam, disabled): report now and take the
                # job back, so it does not print later when nobody waits for it.
                self.client.cancel(self.config.queue, job_id)
                return Completion.failure(Outcome.HARDWARE_ERROR, errors.QUEUE_STOPPED, _key(errors.QUEUE_STOPPED),
                                          f"printer stopped during job {job_id}: {queue.message}".strip())
            if token.cancelled:
                self.client.cancel(self.config.queue, job_id)
                return Completion.failure(Outcome.CANCELED, errors.JOB_CANCELED, _key(errors.JOB_CANCELED),
                                          f"job {job_id} canceled by the kiosk")
            if time.monotonic() >= deadline:
                self.client.cancel(self.config.queue, job_id)
                return Completion.failure(Outcome.TIMEOUT, errors.JOB_TIMEOUT, _key(errors.JOB_TIMEOUT),
                                          f"job {job_id} still {job.state}")
            token.wait(self.config.poll_interval_s)

    def _find_output(self, job_id: int, since: float) -> Path | None:
        """The simulator queue's PDF for this job (cups-pdf names it …job_<id>…)."""
        out = self.config.pdf_output_dir
        if not out.is_dir():
            return None
        for _ in range(20):  # cups-pdf may finish writing just after the job state flips
            for p in out.glob(f"*job_{job_id}*.pdf"):
                return p
            time.sleep(0.05)
        return None
