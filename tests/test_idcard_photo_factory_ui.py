"""Photo decoder loading, the factory, the Qt bridge (card data on screen within a second), the panel."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.devices.base import DeviceEvent, DeviceState
from kiosk.devices.idcard import errors as E
from kiosk.devices.idcard.factory import create_idcard_reader, start_reader_runner
from kiosk.devices.idcard.photo import (
    BMP_SIZE,
    CtypesWltDecoder,
    NoWltDecoder,
    PhotoStatus,
    load_decoder,
)
from kiosk.devices.idcard.simulator import IdCardSimulator
from kiosk.devices.runner import Backoff
from kiosk.i18n import CATALOGUE

FAKE_VENDOR_LIB = r"""
/* Test stand-in for a licensed vendor library: it only proves the ctypes plumbing. It does NOT
   decode WLT; it writes a BMP header plus a pattern, and fails on input not starting with 'T'. */
#include <string.h>
int wlt2bmpBuffer(const char *wlt, char *out, int size) {
    if (wlt[0] != 'T' || size < 38862) return -3;
    memset(out, 0x7f, size);
    out[0] = 'B'; out[1] = 'M';
    unsigned int total = 38862;
    memcpy(out + 2, &total, 4);
    return 1;
}
"""


def test_no_decoder_is_the_honest_default() -> None:
    assert isinstance(load_decoder("", "wlt2bmpBuffer"), NoWltDecoder)
    assert NoWltDecoder().decode(b"x" * 1024).status is PhotoStatus.UNAVAILABLE
    assert NoWltDecoder().decode(b"").status is PhotoStatus.ABSENT
    # A configured library that cannot be loaded degrades to "unavailable", never to a fake photo.
    assert isinstance(load_decoder("/nonexistent/libwlt.so", "wlt2bmpBuffer"), NoWltDecoder)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_vendor_library_through_ctypes(tmp_path: Path) -> None:
    src = tmp_path / "fakewlt.c"
    src.write_text(FAKE_VENDOR_LIB)
    lib = tmp_path / "libfakewlt.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    decoder = load_decoder(str(lib), "wlt2bmpBuffer")
    assert isinstance(decoder, CtypesWltDecoder)
    ok = decoder.decode(b"T" * 1024)
    assert ok.status is PhotoStatus.DECODED and ok.bmp is not None and len(ok.bmp) == BMP_SIZE
    bad = decoder.decode(b"S" * 1024)
    assert bad.status is PhotoStatus.FAILED and bad.bmp is None
    assert isinstance(load_decoder(str(lib), "no_such_symbol"), NoWltDecoder)


def test_every_message_key_is_translated() -> None:
    for entry in E.all_idr_codes():
        for lang in ("zh_CN", "en_US"):
            assert CATALOGUE.messages[entry.message_key][lang]


def test_factory_by_mode(tmp_data_env: Path) -> None:
    real, none = create_idcard_reader(load_config("production", env={}))
    assert real is not None and none is None and real.config.port == "/dev/ttyUSB0"
    off = load_config("demo", env={"KIOSK__DEVICES__IDCARD__MODE": "disabled"})
    assert create_idcard_reader(off) == (None, None)


def test_demo_card_reaches_the_ui_within_a_second(qtbot, tmp_data_env: Path) -> None:  # type: ignore[no-untyped-def]
    from kiosk.devices.qtbridge import DeviceBridge

    reader, sim = create_idcard_reader(load_config("demo"))
    assert reader is not None and sim is not None
    runner = start_reader_runner(reader, Backoff(base_s=0.02, cap_s=0.1))
    bridge = DeviceBridge(runner)
    try:
        deadline = time.monotonic() + 3
        while reader.status.state is not DeviceState.ONLINE and time.monotonic() < deadline:
            qtbot.wait(20)
        assert reader.status.state is DeviceState.ONLINE
        t0 = time.monotonic()
        with qtbot.waitSignal(bridge.eventOccurred, timeout=1000,
                              check_params_cb=lambda e: isinstance(e, DeviceEvent) and e.kind == "card_read") as blocker:
            sim.insert_card("shanghai_retiree")
        assert time.monotonic() - t0 < 1.0
        event = blocker.args[0]
        ident = event.payload.identity
        assert ident.display_name == "王演示" and ident.long_term and ident.age() >= 70
        assert ident.province.name_zh == "上海市"
    finally:
        runner.stop()
        sim.stop()


def test_devdock_panel_drives_the_simulator(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kiosk.devdock.panels import idcard as panel_module

    class App:
        simulators: dict[str, object] = {}

    with IdCardSimulator("pty") as sim:
        App.simulators = {"idcard": sim}
        panel = panel_module.build_panel(App())
        assert isinstance(panel, panel_module.IdCardSimPanel)
        qtbot.addWidget(panel)
        panel.person.setCurrentIndex(panel.person.findData("foreigner_y_can"))
        panel.insert_button.click()
        assert sim.snapshot()["card"] == "foreigner_y_can"
        panel.fault.setCurrentIndex(panel.fault.findData("garbage"))
        panel.on_button.click()
        assert sim.snapshot()["faults"] == ["garbage"]
        panel.clear_button.click()
        panel.remove_button.click()
        assert sim.snapshot()["card"] is None and sim.snapshot()["faults"] == []
        panel.plug_button.click()
        assert not sim.plugged
        panel.plug_button.click()
        assert sim.plugged
        panel.resize(560, 260)
        panel.show()
        qtbot.waitExposed(panel)
        panel.grab().save(str(Path("/tmp") / "idcard_panel.png"))
    App.simulators = {}
    fallback = panel_module.build_panel(App())
    assert fallback is not None and not isinstance(fallback, panel_module.IdCardSimPanel)
    qtbot.addWidget(fallback)
