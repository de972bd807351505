"""Navigation: a stack of screens (push / back / replace / home) over a QStackedWidget.

Screens are created on first use through ``factory`` (so start-up builds only the home screen)
and kept for the life of the app. ``enter(**params)`` runs every time a screen becomes current,
also when coming back to it, with the params it was pushed with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.qt import QObject, QtWidgets, Signal
from kiosk.screens.base import SCREENS, Screen, ScreenRegistry

log = logging.getLogger(__name__)

ScreenFactory = Callable[[type[Screen]], Screen]


class Navigator(QObject):
    currentChanged = Signal(str)  # route now shown

    def __init__(self, stack: QtWidgets.QStackedWidget, factory: ScreenFactory,
                 registry: ScreenRegistry = SCREENS, home_route: str = "home") -> None:
        super().__init__(stack)
        self.stack = stack
        self.factory = factory
        self.registry = registry
        self.home_route = home_route
        self._screens: dict[str, Screen] = {}
        self.history: list[tuple[str, dict[str, Any]]] = []
        # Called before every lookup: the app finishes importing screen modules it deferred.
        self.before_lookup: Callable[[], None] | None = None

    # --- queries ---------------------------------------------------------------------------
    @property
    def current_route(self) -> str | None:
        return self.history[-1][0] if self.history else None

    @property
    def current_params(self) -> dict[str, Any]:
        return dict(self.history[-1][1]) if self.history else {}

    @property
    def current_screen(self) -> Screen | None:
        route = self.current_route
        return self._screens.get(route) if route else None

    @property
    def can_go_back(self) -> bool:
        return len(self.history) > 1

    def screens(self) -> list[Screen]:
        """Every screen created so far (these are the ones to reset / retranslate / re-theme)."""
        return list(self._screens.values())

    def screen(self, route: str) -> Screen | None:
        """The screen for ``route``, created on first use; None if no screen is registered."""
        if self.before_lookup is not None and route != self.home_route:  # home is imported up front
            self.before_lookup()
        existing = self._screens.get(route)
        cls = self.registry.get(route)
        if existing is not None and (cls is None or type(existing) is cls):
            return existing
        if cls is None:
            return None
        if existing is not None:  # a real screen registered since the fallback was built
            self.stack.removeWidget(existing)
            existing.deleteLater()
        screen = self.factory(cls)
        self._screens[route] = screen
        self.stack.addWidget(screen)
        return screen

    # --- moves -----------------------------------------------------------------------------
    def push(self, route: str, **params: Any) -> bool:
        return self._show(route, params, mode="push")

    def replace(self, route: str, **params: Any) -> bool:
        return self._show(route, params, mode="replace")

    def home(self) -> bool:
        return self._show(self.home_route, {}, mode="home")

    def back(self) -> bool:
        if not self.can_go_back:
            return False
        self._leave_current()
        self.history.pop()
        route, params = self.history[-1]
        self._activate(route, params)
        return True

    def _show(self, route: str, params: dict[str, Any], mode: str) -> bool:
        screen = self.screen(route)
        if screen is None:
            log.error("no screen registered for route", extra={"fields": {"route": route}})
            return False
        self._leave_current()
        if mode == "home":
            self.history = [(route, params)]
        elif mode == "replace" and self.history:
            self.history[-1] = (route, params)
        else:
            self.history.append((route, params))
        self._activate(route, params)
        return True

    def _leave_current(self) -> None:
        current = self.current_screen
        if current is not None:
            current.leave()

    def _activate(self, route: str, params: dict[str, Any]) -> None:
        screen = self.screen(route)
        assert screen is not None
        self.stack.setCurrentWidget(screen)
        screen.setFocus()  # reason: OtherFocusReason, the default
        screen.enter(**params)
        log.info("screen", extra={"fields": {"route": route, "depth": len(self.history)}})
        self.currentChanged.emit(route)
