"""The demo profile's wiring: local platform on loopback, client, queue, worker — end to end."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.offline import start_queue_services
from tests.queue_support import application


def test_demo_profile_starts_platform_and_syncs(tmp_data_env: Path) -> None:
    config = load_config("demo")
    assert config.platform.start_local
    services = start_queue_services(config, device_health=lambda: {"idcard": "online"})
    try:
        assert services.platform is not None
        assert services.faults is not None  # the dev dock's network switch sits in between
        assert services.client.base_url == services.faults.base_url
        assert (tmp_data_env / "data" / "platform" / "platform_public.json").exists()
        r = services.queue.enqueue(application(1, attachment_bytes=10_000))
        assert r.ok
        services.worker.notify_enqueued()
        deadline = time.monotonic() + 20
        while services.queue.stats().depth and time.monotonic() < deadline:
            time.sleep(0.05)
        item = services.queue.get(str(r.application_id))
        assert item is not None and item["state"] == "purged" and item["case_number"]
        assert services.worker.catalogue_version  # refreshed on its schedule (first round)
        assert services.worker.send_heartbeat()
    finally:
        services.stop()
