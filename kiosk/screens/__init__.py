"""One module per screen; see :mod:`kiosk.screens.base` for the framework and the registry."""

from __future__ import annotations

import importlib
import logging
import pkgutil

from kiosk.screens.base import SCREENS, Screen, ScreenRegistry, register_screen

__all__ = ["SCREENS", "Screen", "ScreenRegistry", "discover", "register_screen", "screen_modules"]

log = logging.getLogger(__name__)


def screen_modules() -> list[str]:
    """Every screen module's name, in a stable order."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name != "base")


def discover(modules: list[str] | None = None) -> ScreenRegistry:
    """Import screen modules (all by default) so their ``@register_screen`` runs."""
    for name in screen_modules() if modules is None else modules:
        importlib.import_module(f"{__name__}.{name}")
    return SCREENS
