"""Reference implementation of the kiosk platform contract (demo and tests).

The contract is ``platform_server/openapi.yaml``; :func:`start_local_platform` runs the server on
loopback for the demo profile and the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from platform_server.runner import PlatformHandle


def start_local_platform(data_dir: Any, **kwargs: Any) -> PlatformHandle:
    from platform_server.runner import start_local_platform as _start

    return _start(data_dir, **kwargs)
