"""Holds one journey for the UI: feeds events to the engine, runs effects off the UI thread.

Qt-free: the UI passes a :class:`Dispatcher` that runs work on a worker thread and calls back on
the UI thread (the shell's worker pool); tests use :class:`InlineDispatcher`. Results that arrive
after the journey ended (idle timeout, home) are dropped by generation number, so a slow platform
can never write personal data into the next citizen's session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from kiosk.journeys.engine import Effect, Event, JourneyEngine, JourneyState, Transition
from kiosk.journeys.identity import Identity
from kiosk.journeys.runner import EffectRunner

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def run(self, work: Callable[[], Event], done: Callable[[Event], None]) -> None:
        """Run ``work`` off the UI thread; call ``done(result)`` on the UI thread."""
        ...


class InlineDispatcher:
    """Runs work immediately on the calling thread (tests, command line)."""

    def run(self, work: Callable[[], Event], done: Callable[[Event], None]) -> None:
        done(work())


class JourneyController:
    def __init__(self, engine: JourneyEngine, runner: EffectRunner, dispatcher: Dispatcher,
                 on_change: Callable[[JourneyState | None], None] | None = None) -> None:
        self.engine = engine
        self.runner = runner
        self.dispatcher = dispatcher
        self.on_change = on_change
        self.state: JourneyState | None = None
        self._generation = 0

    def start(self, target_id: str, identity: Identity | None = None,
              taps_before: int = 0) -> None:
        self._generation += 1
        self._apply(self.engine.start(target_id, identity, taps_before))

    def send(self, event: Event) -> None:
        if self.state is None:
            return
        self._apply(self.engine.handle(self.state, event))

    def wipe(self) -> None:
        """Forget the journey (session end); late effect results are ignored."""
        self._generation += 1
        self.state = None
        # The platform gateway keeps sealed online submissions for retries: forget them too.
        forget = getattr(self.runner.platform, "wipe", None)
        if callable(forget):
            forget()
        self._notify()

    @property
    def busy(self) -> bool:
        return self.state is not None and self.state.pending is not None

    def _apply(self, transition: Transition) -> None:
        self.state = transition.state
        self._notify()
        for effect in transition.effects:
            self._dispatch(effect)

    def _dispatch(self, effect: Effect) -> None:
        generation = self._generation

        def work() -> Event:
            return self.runner.execute_safely(effect)

        def done(result: Event) -> None:
            if generation != self._generation or self.state is None:
                log.info("journey_late_result_dropped",
                         extra={"fields": {"event": type(result).__name__}})
                return
            self.send(result)

        self.dispatcher.run(work, done)

    def _notify(self) -> None:
        if self.on_change is not None:
            self.on_change(self.state)
