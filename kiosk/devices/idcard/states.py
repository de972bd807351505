"""The reader's connection and poll state machine, as pure data.

::

    closed → opening → waiting ⇄ reading → card_read → waiting (re-armed when the card leaves)
                  ↘ fault ↗ (re-probed)        any → closed (port gone / close())

A transition not in the table is a driver bug and raises :class:`IllegalTransition`.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    CLOSED = "closed"
    OPENING = "opening"
    WAITING = "waiting"  # armed: polling find, no card
    READING = "reading"  # find answered 9F: select → read in progress
    CARD_READ = "card_read"  # read finished (or failed): waiting for the card to leave the field
    FAULT = "fault"  # the reader answers badly or not at all: re-probed until it recovers


TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.CLOSED: frozenset({Phase.OPENING, Phase.CLOSED}),
    Phase.OPENING: frozenset({Phase.WAITING, Phase.CLOSED}),
    Phase.WAITING: frozenset({Phase.READING, Phase.FAULT, Phase.WAITING, Phase.CLOSED}),
    Phase.READING: frozenset({Phase.CARD_READ, Phase.WAITING, Phase.FAULT, Phase.CLOSED}),
    Phase.CARD_READ: frozenset({Phase.WAITING, Phase.FAULT, Phase.CARD_READ, Phase.CLOSED}),
    Phase.FAULT: frozenset({Phase.WAITING, Phase.FAULT, Phase.CLOSED}),
}


class IllegalTransition(RuntimeError):
    pass


def next_phase(current: Phase, target: Phase) -> Phase:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"{current} → {target}")
    return target
