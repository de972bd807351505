"""Dev-dock panel: inserting a social-security card identifies the citizen (masked on screen)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.config import SmartCardConfig
from kiosk.devices.runner import DeviceRunner
from kiosk.devices.smartcard import pcscd
from kiosk.devices.smartcard.driver import SmartCardReader
from kiosk.devices.smartcard.vcard import VirtualCardController
from kiosk.devices.smartcard.vcard.catalogue import FIXTURES

MISSING = pcscd.missing_binaries()
pytestmark = [pytest.mark.pcsc, pytest.mark.skipif(MISSING is not None, reason=f"PC/SC stack absent: {MISSING}")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pcscd.VirtualStack]:
    with pcscd.virtual_stack(tmp_path_factory.mktemp("pcscd")) as s:
        yield s


def test_panel_inserts_card_and_shows_masked_citizen(qtbot: Any, stack: pcscd.VirtualStack, tmp_path: Path) -> None:
    from kiosk.devdock.panels import smartcard as panel_module
    from kiosk.devices.qtbridge import DeviceBridge

    device = SmartCardReader(SmartCardConfig(reader=stack.reader, poll_interval_s=0.1))
    runner = DeviceRunner(device)
    runner.set_idle_task(device.poll)
    bridge = DeviceBridge(runner)
    controller = VirtualCardController("127.0.0.1", stack.port)
    app = SimpleNamespace(simulators={"smartcard": controller}, devices={"smartcard": bridge})
    runner.start()
    try:
        panel = panel_module.build_panel(app)
        qtbot.addWidget(panel)
        panel.resize(520, 200)
        panel.show()
        combo = panel.findChild(panel_module.QtWidgets.QComboBox)
        combo.setCurrentText("ssc_gen1")
        insert = next(b for b in panel.findChildren(panel_module.QtWidgets.QPushButton) if b.text() == "插入")
        insert.click()
        fixture = FIXTURES["ssc_gen1"]
        masked_ssn = fixture.ssn[:4] + "*" * 10 + fixture.ssn[-4:]

        def labels() -> str:
            return "\n".join(label.text() for label in panel.findChildren(panel_module.QtWidgets.QLabel))

        qtbot.waitUntil(lambda: masked_ssn in labels(), timeout=10000)
        text = labels()
        assert fixture.ssn not in text and fixture.name not in text and "测**" in text
        out = Path(os.environ.get("SMARTCARD_PANEL_PNG", tmp_path / "panel.png"))
        assert panel.grab().save(str(out))
    finally:
        controller.remove()
        runner.stop()
