"""The tour's sample states reach the step they are named after."""

from __future__ import annotations

import pytest

from kiosk.catalogue.loader import load_catalogue_file
from kiosk.config import PROJECT_ROOT, JourneysConfig
from kiosk.journeys.engine import JourneyEngine, StepKind
from kiosk.journeys.samples import SAMPLES, sample_state

CAT = load_catalogue_file(PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json")
EXPECTED = {"identify": StepKind.IDENTIFY, "face": StepKind.FACE, "form_question": StepKind.FORM,
            "form_error": StepKind.FORM, "form_page": StepKind.FORM,
            "material_camera": StepKind.MATERIAL, "material_licence": StepKind.MATERIAL,
            "hall": StepKind.HALL, "slot": StepKind.SLOT, "check": StepKind.CHECK,
            "preview": StepKind.PREVIEW, "confirmation": StepKind.CONFIRMATION,
            "confirmation_queued": StepKind.CONFIRMATION, "check_online_only": StepKind.CHECK,
            "confirmation_online": StepKind.CONFIRMATION, "results_query": StepKind.RESULTS,
            "results_cases": StepKind.RESULTS, "theme_check": StepKind.CHECK}


@pytest.mark.parametrize("name", SAMPLES)
def test_sample(name: str) -> None:
    state = sample_state(JourneyEngine(CAT, JourneysConfig()), name)
    assert state.step.kind is EXPECTED[name] and state.pending is None
    if name == "confirmation_queued":
        assert state.outcomes[0].queued
    if name == "check_online_only":
        assert state.notice is not None and state.notice.key == "journeys.notice.online_only"
        assert state.answers["loss_reason"] == "lost"  # kept for the retry
    if name == "confirmation_online":
        assert not state.outcomes[0].queued and state.outcomes[0].reference
    if name == "form_error":
        assert state.errors
    if name == "form_question":
        assert state.step.page == 3
