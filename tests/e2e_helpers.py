"""Shared pieces of the end-to-end journey tests: the live app fixture and tap helpers (the
driving itself lives in kiosk.soak.ui, which the soak uses too)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pytestqt.qtbot import QtBot

from kiosk.journeys.engine import StepKind
from kiosk.soak import bring_up, ui

if TYPE_CHECKING:
    from tests.shell_helpers import AppFactory


def _wait(qtbot: QtBot) -> ui.Wait:
    return lambda predicate, timeout_ms: qtbot.waitUntil(predicate, timeout=timeout_ms)


def _click(app: Any, qtbot: QtBot, name: str) -> None:
    """Tap the one visible, enabled button called ``name`` once the screen has drawn it."""
    ui.click(app, name, _wait(qtbot))


def _row(app: Any, qtbot: QtBot, text: str) -> None:
    ui.tap_row(app, text)


def _step(app: Any) -> StepKind | None:
    return ui.journey_step(app)


def _start_devices(app: Any, qtbot: QtBot, wanted: set[str]) -> None:
    problem = bring_up(app, wanted, timeout_s=60)
    assert problem is None, problem


def start_live_app(make_app: AppFactory, qtbot: QtBot) -> Any:
    """The real app with its services (platform, queue) and the ID-card reader and printers up."""
    app = make_app()
    _start_devices(app, qtbot, {"idcard", "printer"} | ({"a4"} if os.geteuid() == 0 else set()))
    return app
