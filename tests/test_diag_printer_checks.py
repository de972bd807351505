"""Receipt and A4 printer self-test checks against the printer simulator (pty) and cupsd."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.config import PrinterConfig
from kiosk.devices.printer import PrinterSimulator, ReceiptPrinter, get_profile, start_printer_runner
from kiosk.devices.runner import Backoff
from kiosk.diag import checks
from kiosk.diag.checks import CheckContext, CheckResult
from kiosk.diag.cli import main
from tests.test_diag_checks import config


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[PrinterSimulator, CheckContext]]:
    profile = get_profile("generic-80")
    sim = PrinterSimulator(profile, output_dir=tmp_path / "receipts").start()
    printer = ReceiptPrinter(PrinterConfig(model="generic-80"), profile, port=sim.port)
    runner = start_printer_runner(printer, Backoff(base_s=0.02, cap_s=0.1))
    yield sim, CheckContext(config(tmp_path), devices={"printer": SimpleNamespace(runner=runner)})
    runner.stop()
    sim.stop()


def run(check_id: str, ctx: CheckContext) -> CheckResult:
    check = next(c for c in checks.discover() if c.id == check_id)
    return checks.run_check(check, ctx)


def test_ready_printer_passes_and_test_print_comes_out(rig: tuple[PrinterSimulator, CheckContext]) -> None:
    sim, ctx = rig
    assert run("receipt_status", ctx).ok
    before = len(sim.receipts)
    result = run("receipt_test_print", ctx)
    assert result.ok and result.data["bytes"] > 300
    assert sim.wait_for_receipts(before + 1, 10)


@pytest.mark.parametrize(("fault", "codes"), [({"paper": "out"}, {"PRN-011"}), ({"cover_open": True}, {"PRN-020"}),
                                              ({"powered": False}, {"PRN-001", "PRN-003"})])
def test_faulty_printer_fails_with_its_code(rig: tuple[PrinterSimulator, CheckContext], fault: dict,
                                            codes: set[str]) -> None:
    sim, ctx = rig
    if "paper" in fault:
        sim.set_paper(fault["paper"])
    if "cover_open" in fault:
        sim.set_cover_open(True)
    if "powered" in fault:
        sim.set_powered(False)
    before = len(sim.receipts)
    for check_id in ("receipt_status", "receipt_test_print"):
        result = run(check_id, ctx)
        assert not result.ok and result.error_code in codes, (check_id, result)
        assert result.summary
    assert len(sim.receipts) == before  # nothing printed on a faulty printer


def test_paper_using_checks_only_run_when_asked(tmp_path: Path) -> None:
    registry = checks.discover()
    on_demand = {c.id for c in registry if c.on_demand}
    assert on_demand == {"receipt_test_print", "a4_test_page"}
    default = {r.check.id for r in checks.run_all(CheckContext(None, "no config"), registry)}
    assert not default & on_demand


def test_cli_print_group_and_unknown_model(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__A4__MODE", '"disabled"')
    assert main(["selftest", "--only", "receipt_test_print", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checks"][0]["ok"]
    monkeypatch.setenv("KIOSK__DEVICES__PRINTER__MODEL", '"no-such-model"')
    assert main(["selftest", "--only", "receipt_status", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["checks"][0]["error_code"] == "PRN-004"


def test_a4_disabled_is_reported(tmp_path: Path) -> None:
    result = run("a4_status", CheckContext(config(tmp_path, devices__a4__mode="disabled")))
    assert result.ok and "未启用" in result.summary


@pytest.mark.cups
def test_a4_missing_queue_fails(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run cupsd")
    cfg = config(tmp_path, devices__a4__mode="real", devices__a4__queue="NoSuchQueueForDiag")
    result = run("a4_status", CheckContext(cfg))
    assert not result.ok and result.error_code in ("A4P-001", "A4P-002")
