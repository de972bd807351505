"""The ID-reader self-test checks against the real driver and the simulator over a pty: inside the
app (through the device's runner) and from the command line (own reader, own simulator)."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.config import IdCardReaderConfig
from kiosk.devices.base import DeviceState
from kiosk.devices.idcard.driver import IdCardReader
from kiosk.devices.idcard.simulator import IdCardSimulator, load_people
from kiosk.devices.runner import Backoff, DeviceRunner
from kiosk.diag import checks
from kiosk.diag.checks import CheckContext, CheckResult
from kiosk.diag.cli import main
from tests.test_diag_checks import config

FAST = {"command_timeout_s": 0.3, "find_timeout_s": 0.3, "select_timeout_s": 0.3, "read_timeout_s": 1.0,
        "poll_interval_s": 0.03, "removal_poll_interval_s": 0.03, "fault_poll_interval_s": 0.1}
PEOPLE = load_people()


@pytest.fixture(scope="module")
def sim() -> Iterator[IdCardSimulator]:
    with IdCardSimulator("pty") as s:
        yield s


@pytest.fixture
def app_ctx(sim: IdCardSimulator, tmp_path: Path) -> Iterator[CheckContext]:
    sim.clear_faults()
    sim.remove_card()
    if not sim.plugged:
        sim.replug()
    reader = IdCardReader(IdCardReaderConfig(port=sim.port, **FAST))
    runner = DeviceRunner(reader, backoff=Backoff(base_s=0.02, cap_s=0.1))
    runner.start()
    deadline = time.monotonic() + 3
    while reader.status.state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.01)
    yield CheckContext(config(tmp_path), devices={"idcard": SimpleNamespace(runner=runner)})
    runner.stop()
    sim.clear_faults()
    sim.remove_card()


def run(check_id: str, ctx: CheckContext) -> CheckResult:
    check = next(c for c in checks.discover() if c.id == check_id)
    return checks.run_check(check, ctx)


def test_sam_id_and_no_card(app_ctx: CheckContext) -> None:
    sam = run("idcard_sam", app_ctx)
    assert sam.ok and len(sam.data["sam_id"]) == 32 and sam.data["sam_id"] in sam.summary
    read = run("idcard_read", app_ctx)
    assert read.ok and read.data["skipped"] is True


def test_test_read_reports_nothing_personal(app_ctx: CheckContext, sim: IdCardSimulator) -> None:
    sim.insert_card("hebei_male")
    result = run("idcard_read", app_ctx)
    assert result.ok and result.data["card_type"] and result.data["elapsed_ms"] > 0
    text = json.dumps(result.as_dict(), ensure_ascii=False)
    person = PEOPLE["hebei_male"]
    for value in (person.fields["name"], person.fields["id_number"], person.fields["address"]):
        assert value not in text


@pytest.mark.parametrize(("fault", "check_id"), [("sam_selftest", "idcard_sam"), ("timeout", "idcard_sam"),
                                                 ("read_failure", "idcard_read")])
def test_faulty_reader_fails_the_check(app_ctx: CheckContext, sim: IdCardSimulator, fault: str,
                                       check_id: str) -> None:
    sim.insert_card("hebei_male")
    sim.set_fault(fault)
    result = run(check_id, app_ctx)
    assert not result.ok and result.error_code and result.error_code.startswith("IDR-")
    assert result.summary  # worded by the registered error code


def test_unplugged_reader_fails(app_ctx: CheckContext, sim: IdCardSimulator) -> None:
    sim.unplug()
    result = run("idcard_sam", app_ctx)
    assert not result.ok and result.error_code and result.error_code.startswith("IDR-")


def test_cli_builds_its_own_simulated_reader(tmp_data_env: Path, capsys: Any) -> None:
    assert main(["selftest", "--only", "device", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in report["checks"]} >= {"idcard_sam", "idcard_read"}


def test_disabled_reader_is_reported_not_failed(tmp_path: Path) -> None:
    result = run("idcard_sam", CheckContext(config(tmp_path, devices__idcard__mode="disabled")))
    assert result.ok and "未启用" in result.summary
