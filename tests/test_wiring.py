"""The composition root builds the configured devices off the UI thread and shows their state."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.base import DeviceEvent, DeviceState

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory

pytest_plugins = ("tests.shell_helpers",)  # the make_app fixture


def test_demo_devices_are_built_and_a_card_reaches_the_ui(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    builder = app.start_devices(only={"idcard", "printer"})
    qtbot.waitUntil(lambda: {"idcard", "printer"} <= set(app.devices), timeout=10_000)
    builder.join(5)
    assert threading.current_thread() is threading.main_thread()
    qtbot.waitUntil(lambda: app.devices["idcard"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=10_000)
    events: list[DeviceEvent] = []
    app.devices["idcard"].eventOccurred.connect(events.append)
    sim: Any = app.simulators["idcard"]
    person_id = next(iter(sim.people))
    started = time.monotonic()
    sim.insert_card(person_id)
    qtbot.waitUntil(lambda: any(e.kind == "card_read" for e in events), timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0  # the 1 s is a demo target; CI machines are shared and slow
    qtbot.waitUntil(lambda: app.devices["printer"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=10_000)


def test_close_stops_device_threads(make_app: AppFactory, qtbot: QtBot) -> None:
    app = make_app()
    app.start_devices(only={"idcard"})
    qtbot.waitUntil(lambda: "idcard" in app.devices, timeout=10_000)
    runner = app.devices["idcard"].runner
    app.close()
    assert not runner.running


def test_demo_wires_the_card_reader_on_the_real_pcsc_stack(make_app: AppFactory, qtbot: QtBot) -> None:
    import shutil

    import pytest

    if shutil.which("pcscd") is None and not __import__("os").path.exists("/usr/sbin/pcscd"):
        pytest.skip("pcscd is not installed")
    app = make_app()
    app.start_devices(only={"smartcard"})
    qtbot.waitUntil(lambda: "smartcard" in app.devices, timeout=15_000)
    qtbot.waitUntil(lambda: app.devices["smartcard"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=15_000)
    events: list[DeviceEvent] = []
    app.devices["smartcard"].eventOccurred.connect(events.append)
    app.simulators["smartcard"].insert("ssc_gen2")
    qtbot.waitUntil(lambda: any(e.kind == "card_identified" for e in events), timeout=10_000)


def test_demo_wires_both_cameras_without_qt5_env_leaking(make_app: AppFactory, qtbot: QtBot) -> None:
    import os

    app = make_app()
    app.start_devices(only={"doc_camera", "face_camera"})
    qtbot.waitUntil(lambda: {"doc_camera", "face_camera"} <= set(app.devices), timeout=15_000)
    qtbot.waitUntil(lambda: app.devices["doc_camera"].runner.device.status.state is DeviceState.ONLINE,
                    timeout=15_000)
    assert "cv2" not in os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")
    assert "cv2" not in os.environ.get("QT_QPA_FONTDIR", "")


def test_demo_services_start_and_the_offline_switch_reaches_the_proxy(
        make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo: the local platform, the fault proxy, the queue and the sync worker start off the UI
    thread; the status bar learns the network state; the dev-dock switch takes the platform away."""
    monkeypatch.setenv("KIOSK__QUEUE__HEARTBEAT_S", "0.5")
    app = make_app()
    with qtbot.waitSignal(app.servicesReady, timeout=30_000):
        app.start_services()
    assert app.platform_client is not None and app.offline_queue is not None
    assert "platform" in app.simulators and app.platform_offline_hook is not None
    network: list[bool] = []
    app.offline_queue.networkStateChanged.connect(network.append)
    app.offline_queue.sync_now()
    app.set_platform_offline(True)
    app.offline_queue.sync_now()
    qtbot.waitUntil(lambda: False in network, timeout=20_000)
    app.set_platform_offline(False)
    app.offline_queue.sync_now()
    qtbot.waitUntil(lambda: network and network[-1] is True, timeout=20_000)
