"""The kiosk's side of the platform contract: signed HTTP client, keys, typed results.

:func:`create_platform_client` is the factory the composition root uses.
"""

from __future__ import annotations

from kiosk.config import KioskConfig
from kiosk.platform.client import PlatformClient, PlatformConfigError, Timeouts
from kiosk.platform.crypto import CryptoError
from kiosk.platform.keys import load_or_create_terminal_key, read_platform_keys

__all__ = ["PlatformClient", "PlatformConfigError", "create_platform_client"]


def create_platform_client(config: KioskConfig, base_url: str | None = None) -> PlatformClient:
    """Build the client from config (``base_url`` overrides, e.g. a started local platform)."""
    pc = config.platform
    try:
        keys = read_platform_keys(pc.signing_public_key, pc.encryption_public_key,
                                  config.data_path(pc.public_keys_file))
    except CryptoError as e:
        raise PlatformConfigError(f"platform keys: {e}") from e
    terminal_key = load_or_create_terminal_key(config.data_path(pc.terminal_key_file))
    return PlatformClient(base_url or pc.base_url, config.terminal.id, terminal_key, keys,
                          Timeouts(pc.connect_timeout_s, pc.read_timeout_s, pc.upload_timeout_s),
                          ca_bundle=str(config.path(pc.ca_bundle)) if pc.ca_bundle else None,
                          offer_terminal_key=pc.offer_terminal_key,
                          insecure_hosts=tuple(pc.insecure_hosts))
