"""The common device model and runner, with a small in-test device double."""

import threading
import time

from kiosk.devices.base import (
    CancelToken,
    Capabilities,
    Completion,
    DeviceState,
    DeviceStatus,
    Outcome,
    StatusHolder,
    status_changes,
)
from kiosk.devices.runner import Backoff, DeviceRunner


class FlakyDevice:
    """Opens only after ``fail_opens`` attempts, like a reader plugged in late."""

    name = "flaky"

    def __init__(self, fail_opens: int = 0) -> None:
        self.status_holder = StatusHolder()
        self.fail_opens = fail_opens
        self.opens = 0

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities("test")

    @property
    def status(self) -> DeviceStatus:
        return self.status_holder.status

    def open(self) -> Completion[None]:
        self.opens += 1
        if self.opens <= self.fail_opens:
            self.status_holder.update(DeviceState.NO_DEVICE, error_code="TST-001")
            return Completion.failure(Outcome.NOT_READY, "TST-001")
        self.status_holder.update(DeviceState.ONLINE)
        return Completion.success(None)

    def close(self) -> None:
        pass


def test_status_changes_lists_only_what_changed() -> None:
    a = DeviceStatus(DeviceState.ONLINE).with_detail(media="absent", paper="ok")
    b = a.with_detail(media="present")
    assert status_changes(a, b) == {"detail.media": ("absent", "present")}


def test_runner_reopens_with_backoff_and_reports() -> None:
    dev = FlakyDevice(fail_opens=2)
    seen: list[dict] = []
    dev.status_holder.on_status(lambda s, ch: seen.append(ch))
    runner = DeviceRunner(dev, backoff=Backoff(base_s=0.01, cap_s=0.02))
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while dev.status.state is not DeviceState.ONLINE and time.monotonic() < deadline:
            time.sleep(0.01)
        assert dev.status.state is DeviceState.ONLINE
        assert dev.opens == 3
        assert any("state" in ch for ch in seen)
    finally:
        runner.stop()


def test_job_timeout_becomes_timeout_completion() -> None:
    runner = DeviceRunner(FlakyDevice())
    runner.start()

    def slow(token: CancelToken) -> Completion[int]:
        if token.wait(5):
            return Completion.failure(Outcome.CANCELED)
        return Completion.success(1)

    try:
        job = runner.submit(slow, timeout_s=0.1, label="slow")
        result = job.result(3)
        assert result.outcome is Outcome.TIMEOUT
    finally:
        runner.stop()


def test_crashing_command_is_a_hardware_error_and_thread_survives() -> None:
    runner = DeviceRunner(FlakyDevice())
    runner.start()

    def boom(token: CancelToken) -> Completion[int]:
        raise RuntimeError("driver bug")

    try:
        assert runner.submit(boom).result(3).outcome is Outcome.HARDWARE_ERROR
        assert runner.submit(lambda t: Completion.success(7)).result(3).value == 7
        assert threading.active_count() >= 2
    finally:
        runner.stop()


def test_backoff_is_capped_full_jitter() -> None:
    b = Backoff(base_s=1, cap_s=8)
    delays = [b.next_delay() for _ in range(50)]
    assert all(0 <= d <= 8 for d in delays)
    assert len(set(delays)) > 40  # jittered, not lock-step
