"""Demo profile: start the reference platform on loopback from the kiosk's own config.

The platform's data (keys, SQLite) lives in ``paths.data_dir / platform.local_data_dir``; its
public keys land in ``platform_public.json`` there, which is where ``platform.public_keys_file``
points by default. Production never calls this (``platform.start_local = false``).
"""

from __future__ import annotations

from typing import Any

from kiosk.config import KioskConfig


def start_for_config(config: KioskConfig) -> Any:
    """Start the local reference platform; returns its handle (``base_url``, keys, ``stop()``)."""
    from platform_server.runner import start_local_platform  # demo-only dependency (FastAPI)

    pc = config.platform
    handle = start_local_platform(config.data_path(pc.local_data_dir), port=pc.local_port,
                                  auto_enroll=pc.offer_terminal_key, admin_enabled=False)
    return handle
