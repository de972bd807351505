"""Soak run: the real kiosk (simulated devices on real links, the local reference platform behind
its fault proxy, the real offline queue) through many citizen sessions in accelerated time.

Each session drives a random demo journey through the UI (:mod:`kiosk.soak.citizen`): ID card
in, item, form, document or face capture, submit, receipt, 完成 — or the citizen walks away and
the idle timeout ends it. Around the citizens (:mod:`kiosk.soak.faults`): ID-card read faults,
paper out / cover open cleared by a technician, cameras unplugged, network drops. Sampled
(:mod:`kiosk.soak.probes`): resident memory, threads, open files, the queue's database
connections, Qt objects; at the end every queued application must be at the platform exactly
once, and no file the kiosk wrote may hold a test person's data (:mod:`kiosk.soak.run`).

Long run (prints the figures; exit code 1 over budget or on any loss)::

    python -m kiosk.soak --sessions 1000 --json soak.json

The short version is tests/test_soak.py. :mod:`kiosk.soak.ui` (taps, typing, waiting) is shared
with the end-to-end tests.
"""

from kiosk.soak.cli import ACCELERATED_ENV, bring_up, main
from kiosk.soak.report import SoakReport
from kiosk.soak.run import Soak, privacy_scan

__all__ = ["ACCELERATED_ENV", "Soak", "SoakReport", "bring_up", "main", "privacy_scan"]
