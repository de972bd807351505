"""One module per screen; see :mod:`kiosk.screens.base` for the framework and the registry."""

from __future__ import annotations

import importlib
import logging
import pkgutil

from kiosk.screens.base import SCREENS, Screen, ScreenRegistry, register_screen

__all__ = ["SCREENS", "Screen", "ScreenRegistry", "discover", "register_screen"]

log = logging.getLogger(__name__)


def discover() -> ScreenRegistry:
    """Import every module in this package so its ``@register_screen`` runs."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base":
            continue
        importlib.import_module(f"{__name__}.{info.name}")
    return SCREENS
