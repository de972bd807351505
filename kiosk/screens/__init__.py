"""One module per screen; see :mod:`kiosk.screens.base` for the framework and the registry."""

from __future__ import annotations

import importlib
import logging
import os

from kiosk.screens.base import SCREENS, Screen, ScreenRegistry, register_screen

__all__ = ["SCREENS", "Screen", "ScreenRegistry", "discover", "register_screen", "screen_modules"]

log = logging.getLogger(__name__)


def screen_modules() -> list[str]:
    """Every screen module's name, in a stable order (a directory listing: pkgutil costs
    ~4 ms of start-up to import)."""
    names = {entry.name[:-3] for directory in __path__ for entry in os.scandir(directory)
             if entry.name.endswith(".py") and entry.is_file()}
    return sorted(names - {"__init__", "base"})


def discover(modules: list[str] | None = None) -> ScreenRegistry:
    """Import screen modules (all by default) so their ``@register_screen`` runs."""
    for name in screen_modules() if modules is None else modules:
        importlib.import_module(f"{__name__}.{name}")
    return SCREENS
