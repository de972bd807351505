"""What the bundle and the readiness report describe: versions, configuration without secrets,
device and queue status. Each piece degrades to an explanatory value rather than failing."""

from __future__ import annotations

import platform
import re
import sys
import time
from collections.abc import Mapping
from typing import Any

from kiosk import __version__
from kiosk.config import KioskConfig, field_names, to_dict
from kiosk.diag.checks import CheckContext

# Key words that mark a credential; the value is removed whatever it holds.
_SECRET_WORDS = frozenset({"password", "passwd", "pass", "secret", "token", "apikey", "key", "private",
                           "credential", "credentials", "pin", "cookie", "auth", "authorization"})
_SECRET_PARTS = ("password", "secret", "token", "private_key", "api_key")
REMOVED = "<removed>"


def is_secret_key(key: str) -> bool:
    k = key.lower()
    return any(p in k for p in _SECRET_PARTS) or any(w in _SECRET_WORDS for w in re.split(r"[_\-.]", k))


def strip_secrets(value: Any, key: str = "") -> Any:
    if key and is_secret_key(key):
        return REMOVED
    if isinstance(value, Mapping):
        return {str(k): strip_secrets(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_secrets(v) for v in value]
    if isinstance(value, str):
        # URLs may carry user:password@host.
        return re.sub(r"(?<=://)[^/@\s]+@", REMOVED + "@", value)
    return value


def config_without_secrets(cfg: KioskConfig | None) -> dict[str, Any]:
    if cfg is None:
        return {"error": "configuration could not be loaded"}
    data: dict[str, Any] = strip_secrets(to_dict(cfg))
    return data


def versions(ctx: CheckContext) -> dict[str, Any]:
    info: dict[str, Any] = {
        "kiosk": __version__,
        "python": sys.version.split()[0],
        "os": platform.platform(),
        "machine": platform.machine(),
    }
    for dist in ("PySide6-Essentials", "pyserial", "pyscard", "reportlab", "opencv-python", "SQLAlchemy"):
        try:
            from importlib.metadata import version

            info[dist] = version(dist)
        except Exception:
            info[dist] = None
    catalogue = ctx.services.get("catalogue")
    info["catalogue"] = getattr(catalogue, "version", None)
    return info


def device_status(ctx: CheckContext) -> dict[str, Any]:
    """Each live device's status (inside the app); the CLI has no live devices."""
    out: dict[str, Any] = {}
    for name, dev in ctx.devices.items():
        status = getattr(dev, "status", None)
        as_dict = getattr(status, "as_dict", None)
        out[name] = as_dict() if callable(as_dict) else repr(status)
    if not out and ctx.config is not None:
        d = ctx.config.devices
        out = {name: {"mode": getattr(d, name).mode, "live": False}
               for name in field_names(d)}
    return out


def queue_status(ctx: CheckContext) -> dict[str, Any]:
    queue = ctx.services.get("queue")
    if queue is None:
        return {"available": False}
    inner = queue if callable(getattr(queue, "stats", None)) else getattr(queue, "queue", queue)
    stats = getattr(inner, "stats", None)
    status = getattr(inner, "status", None)
    try:
        value = stats() if callable(stats) else (status() if callable(status) else status)
        as_dict = getattr(value, "as_dict", None)
        if callable(as_dict):
            value = as_dict()
    except Exception as e:  # a broken queue must not stop the bundle
        return {"available": False, "error": f"{type(e).__name__}: {e}"}
    return {"available": True, "status": value}


def generated_at() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %z")
