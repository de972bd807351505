"""The frame codec against the brief's exact bytes, plus fuzzing: only the codec's typed errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.devices.idcard import commands as C
from kiosk.devices.idcard.frame import (
    ChecksumError,
    FrameDecoder,
    FrameError,
    GarbageError,
    LengthError,
    PreambleError,
    TrailingBytesError,
    TruncatedFrameError,
    decode_frame,
    encode_frame,
)

H = bytes.fromhex

# Every request in the brief's table, byte for byte.
BRIEF_REQUESTS = {
    C.RESET_SAM: "AA AA AA 96 69 00 03 10 FF EC",
    C.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    C.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    C.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    C.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    C.READ_BASE: "AA AA AA 96 69 00 03 30 01 32",
    C.READ_WITH_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
    C.READ_APPENDED_ADDRESS: "AA AA AA 96 69 00 03 30 03 30",
}


@pytest.mark.parametrize("command", list(BRIEF_REQUESTS), ids=lambda c: c.name)
def test_requests_match_the_brief(command: C.Command) -> None:
    assert command.frame() == H(BRIEF_REQUESTS[command])


@pytest.mark.parametrize(("frame", "payload"), [
    ("AA AA AA 96 69 00 04 00 00 90 94", "00 00 90"),  # SAM status OK
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", "00 00 9F 00 00 00 00"),  # find OK
    ("AA AA AA 96 69 00 04 00 00 80 84", "00 00 80"),  # find failed
])
def test_brief_answers_decode(frame: str, payload: str) -> None:
    assert decode_frame(H(frame)) == H(payload)
    assert encode_frame(H(payload)) == H(frame)


def test_read_answer_sizes_match_the_brief() -> None:
    blocks = C.CardBlocks(bytes(256), bytes(1024), bytes(1024))
    base = encode_frame(bytes([0, 0, 0x90]) + C.build_read_data(blocks, False))
    assert len(base) == 1295 and base[5:7] == H("05 08") and base[10:14] == H("01 00 04 00")
    fp = encode_frame(bytes([0, 0, 0x90]) + C.build_read_data(blocks, True))
    assert len(fp) == 2321 and fp[5:7] == H("09 0A") and fp[10:16] == H("01 00 04 00 04 00")
    no_fp = encode_frame(bytes([0, 0, 0x90]) + C.build_read_data(C.CardBlocks(bytes(256), bytes(1024), b""), True))
    assert no_fp[5:7] == H("05 0A") and no_fp[14:16] == H("00 00")
    sam_id = encode_frame(bytes([0, 0, 0x90]) + bytes(16))
    assert sam_id[5:7] == H("00 14")
    select_ok = encode_frame(bytes([0, 0, 0x90]) + bytes(8))
    assert select_ok[5:7] == H("00 0C")


@pytest.mark.parametrize(("data", "error"), [
    (H("AB AA AA 96 69 00 04 00 00 90 94"), PreambleError),
    (H("AA AA AA 96 69 00 04 00 00 90"), TruncatedFrameError),
    (H("AA AA AA 96 69 00 04 00 00 90 95"), ChecksumError),
    (H("AA AA AA 96 69 00 01 94"), LengthError),
    (H("AA AA AA 96 69 FF FF 00"), LengthError),
    (H("AA AA AA 96 69 00 04 00 00 90 94 00"), TrailingBytesError),
])
def test_whole_frame_errors_are_typed(data: bytes, error: type[FrameError]) -> None:
    with pytest.raises(error):
        decode_frame(data)


def test_decoder_resyncs_after_garbage_and_partial_preambles() -> None:
    good = H("AA AA AA 96 69 00 04 00 00 90 94")
    noise = H("00 AA AA 13 AA AA AA AA 96 00 69")
    dec = FrameDecoder()
    items = dec.feed(noise + good)
    assert items[-1] == H("00 00 90")
    assert sum(i.count for i in items if isinstance(i, GarbageError)) == len(noise)
    assert dec.buffered == 0


def test_decoder_reports_bad_checksum_then_finds_the_next_frame() -> None:
    bad = H("AA AA AA 96 69 00 04 00 00 90 95")
    good = H("AA AA AA 96 69 00 04 00 00 80 84")
    items = FrameDecoder().feed(bad + good)
    assert isinstance(items[0], ChecksumError)
    assert items[-1] == H("00 00 80")


def test_a_corrupt_length_does_not_swallow_the_next_frame() -> None:
    bad = H("AA AA AA 96 69 7F FF 00 00")  # impossible length
    good = H("AA AA AA 96 69 00 04 00 00 90 94")
    items = FrameDecoder().feed(bad + good)
    assert any(isinstance(i, LengthError) for i in items)
    assert items[-1] == H("00 00 90")


def test_byte_by_byte_feeding_and_wanted_hint() -> None:
    frame = encode_frame(bytes([0, 0, 0x90]) + bytes(range(200)))
    dec = FrameDecoder()
    out: list[object] = []
    for i, b in enumerate(frame):
        if i == 7:
            assert dec.wanted() == len(frame) - 7
        out += dec.feed(bytes([b]))
    assert out == [bytes([0, 0, 0x90]) + bytes(range(200))]


# --- property-based ------------------------------------------------------------------------
payloads = st.binary(min_size=1, max_size=600)


@settings(deadline=None)
@given(payload=payloads, cuts=st.lists(st.integers(min_value=0, max_value=700), max_size=8))
def test_roundtrip_in_any_chunking(payload: bytes, cuts: list[int]) -> None:
    frame = encode_frame(payload)
    assert decode_frame(frame) == payload
    points = sorted({c for c in cuts if 0 < c < len(frame)})
    dec = FrameDecoder()
    got: list[object] = []
    prev = 0
    for p in [*points, len(frame)]:
        got += dec.feed(frame[prev:p])
        prev = p
    assert got == [payload]


@settings(deadline=None)
@given(garbage=st.binary(max_size=64).map(lambda b: b.replace(b"\xaa", b"\x55")), payload=payloads)
def test_any_garbage_before_a_frame_is_skipped(garbage: bytes, payload: bytes) -> None:
    dec = FrameDecoder()
    items = dec.feed(garbage + encode_frame(payload))
    assert items[-1] == payload
    assert dec.stats.garbage_bytes == len(garbage)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000))
def test_random_bytes_raise_only_codec_errors(data: bytes) -> None:
    try:
        decode_frame(data)
    except FrameError:
        pass
    dec = FrameDecoder()
    for item in dec.feed(data):
        assert isinstance(item, bytes | FrameError)


@settings(max_examples=300, deadline=None)
@given(payload=payloads, data=st.data())
def test_mutated_frames_raise_only_codec_errors(payload: bytes, data: st.DataObject) -> None:
    frame = bytearray(encode_frame(payload))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        op = data.draw(st.sampled_from(["flip", "drop", "insert", "truncate"]))
        if not frame:
            break
        i = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
        if op == "flip":
            frame[i] ^= data.draw(st.integers(min_value=1, max_value=255))
        elif op == "drop":
            del frame[i]
        elif op == "insert":
            frame.insert(i, data.draw(st.integers(min_value=0, max_value=255)))
        else:
            del frame[i:]
    try:
        result = decode_frame(bytes(frame))
    except FrameError:
        result = None
    if result is not None:  # a mutation that still checks out must be a self-consistent frame
        assert encode_frame(result) == bytes(frame)
    for item in FrameDecoder().feed(bytes(frame)):
        assert isinstance(item, bytes | FrameError)


@settings(deadline=None)
@given(payload=payloads, pos=st.integers(min_value=7), flip=st.integers(min_value=1, max_value=255))
def test_any_single_byte_corruption_of_the_body_is_detected(payload: bytes, pos: int, flip: int) -> None:
    frame = bytearray(encode_frame(payload))
    pos = 7 + pos % (len(frame) - 7)  # payload or checksum byte
    frame[pos] ^= flip
    with pytest.raises(ChecksumError):
        decode_frame(bytes(frame))
