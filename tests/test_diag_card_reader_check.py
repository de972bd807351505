"""The card-reader self-test against real pcscd + vpcd (virtual cards)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices.smartcard import pcscd
from kiosk.devices.smartcard.vcard import VirtualCardController
from kiosk.diag import checks
from kiosk.diag.checks import CheckContext, CheckResult
from tests.test_diag_checks import config

MISSING = pcscd.missing_binaries()
pytestmark = [pytest.mark.pcsc, pytest.mark.skipif(MISSING is not None, reason=f"PC/SC stack absent: {MISSING}")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pcscd.VirtualStack]:
    with pcscd.virtual_stack(tmp_path_factory.mktemp("pcscd")) as s:
        yield s


def run(ctx: CheckContext) -> CheckResult:
    check = next(c for c in checks.discover() if c.id == "card_reader")
    return checks.run_check(check, ctx)


def test_reader_found_empty_then_atr(stack: pcscd.VirtualStack, tmp_path: Path) -> None:
    ctx = CheckContext(config(tmp_path, devices__smartcard__reader=stack.reader,
                              devices__smartcard__start_pcscd=False))
    cards = VirtualCardController("127.0.0.1", stack.port)
    try:
        cards.remove()
        empty = run(ctx)
        assert empty.ok and empty.data["card_present"] is False
        cards.insert("staff_manager")
        import time

        deadline = time.monotonic() + 5
        result = run(ctx)
        while not result.data.get("card_present") and time.monotonic() < deadline:
            time.sleep(0.1)
            result = run(ctx)
        assert result.ok and result.data["card_present"] and len(result.data["atr"]) >= 8
        assert result.data["atr"] in result.summary
    finally:
        cards.remove()


def test_wrong_reader_name_fails(stack: pcscd.VirtualStack, tmp_path: Path) -> None:
    result = run(CheckContext(config(tmp_path, devices__smartcard__reader="No Such Reader 99",
                                     devices__smartcard__start_pcscd=False)))
    assert result.ok is False and result.error_code == "PCS-003"
    assert "No Such Reader 99" in result.detail


def test_pcscd_down_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.devices.smartcard import transport
    from kiosk.devices.smartcard.errors import SERVICE_DOWN, CardFault

    def down() -> int:
        raise CardFault("SCardEstablishContext: no service", code=SERVICE_DOWN)

    monkeypatch.setattr(transport, "establish_context", down)
    result = run(CheckContext(config(tmp_path, devices__smartcard__start_pcscd=False)))
    assert not result.ok and result.error_code == "PCS-001" and "pcscd" in result.summary
