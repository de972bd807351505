"""Real-time status bytes: shape check and mapping (table from the device brief), plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.base import DeviceState
from kiosk.devices.printer import errors
from kiosk.devices.printer.simulator.device import SimState, status_reply
from kiosk.devices.printer.status import (
    PrinterCondition,
    StatusShapeError,
    is_fence_reply,
    is_status_byte,
    parse_status,
)


def test_paper_out_bytes_from_the_brief() -> None:
    cond = parse_status({1: 0x1A, 2: 0x32, 4: 0x7E})
    assert cond.paper == "out"
    assert cond.offline
    assert cond.state is DeviceState.USER_ERROR
    assert cond.error_code == errors.PAPER_OUT
    assert not cond.printable


def test_all_clear() -> None:
    cond = parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12})
    assert cond == PrinterCondition()
    assert cond.printable and cond.error_code is None


@pytest.mark.parametrize(("replies", "code", "state"), [
    ({1: 0x12, 2: 0x16, 4: 0x12}, errors.COVER_OPEN, DeviceState.USER_ERROR),
    ({1: 0x12, 2: 0x12, 4: 0x1E}, errors.PAPER_NEAR_END, DeviceState.ONLINE),
    ({1: 0x1A, 2: 0x12, 4: 0x12}, errors.OFFLINE, DeviceState.OFFLINE),
    ({1: 0x12, 2: 0x52, 3: 0x5A, 4: 0x12}, errors.CUTTER_ERROR, DeviceState.HARDWARE_ERROR),
    ({1: 0x12, 2: 0x52, 4: 0x12}, errors.PRINTER_ERROR, DeviceState.HARDWARE_ERROR),
    ({1: 0x12, 2: 0x12, 3: 0x32, 4: 0x12}, errors.UNRECOVERABLE, DeviceState.HARDWARE_ERROR),
])
def test_fault_mapping(replies: dict[int, int], code: str, state: DeviceState) -> None:
    cond = parse_status(replies)
    assert cond.error_code == code
    assert cond.state is state


@pytest.mark.parametrize("bad", [0x00, 0xFF, 0x13, 0x92, 0x10, 0x02])
def test_bytes_without_the_shape_are_rejected(bad: int) -> None:
    assert not is_status_byte(bad)
    with pytest.raises(StatusShapeError):
        parse_status({1: bad})


@given(st.integers(0, 255))
def test_status_and_fence_replies_never_overlap(b: int) -> None:
    assert not (is_status_byte(b) and is_fence_reply(b))
    assert is_status_byte(b) == (b & 0x93 == 0x12)


@given(st.dictionaries(st.integers(-3, 8), st.integers(-5, 300), max_size=6))
def test_parser_never_crashes_on_anything(replies: dict[int, int]) -> None:
    try:
        cond = parse_status(replies)
    except StatusShapeError:
        return
    assert cond.paper in ("ok", "near_end", "out")
    assert all(n in (1, 2, 3, 4) and is_status_byte(b) for n, b in replies.items())


@given(st.sampled_from(["ok", "near_end", "out"]), st.booleans(), st.booleans(), st.booleans())
def test_simulator_bytes_parse_back_to_its_state(paper: str, cover: bool, offline: bool, cutter: bool) -> None:
    state = SimState(paper=paper, cover_open=cover, offline=offline, cutter_error=cutter)  # type: ignore[arg-type]
    replies = {n: status_reply(state, n, dle_eot_3=True)[0] for n in (1, 2, 3, 4)}
    cond = parse_status(replies)
    assert cond.paper == paper
    assert cond.cover_open == cover
    assert cond.cutter_error == cutter
    assert cond.offline == (state.halted)
    assert cond.printable == (not state.halted)
