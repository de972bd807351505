"""ESC/POS encoder and the simulator's interpreter: exact bytes, round trips, garbage, splits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.printer.escpos import Align, EscPosBuilder, dle_eot
from kiosk.devices.printer.simulator.interpreter import EscPosInterpreter, Page, PrintedQr, PrintedRaster


def interpret(data: bytes, encoding: str = "gb18030", dots: int = 576) -> EscPosInterpreter:
    it = EscPosInterpreter(encoding, dots)
    it.feed(data)
    return it


def test_known_bytes() -> None:
    b = EscPosBuilder().init().align(Align.CENTER).bold(True).size(2, 2).line("中").cut(partial=True, feed_dots=0)
    assert b.build() == (b"\x1b\x40\x1d\x61\x00\x1c\x26" b"\x1b\x61\x01" b"\x1b\x45\x01" b"\x1d\x21\x11"
                         + "中".encode("gb18030") + b"\x0a" b"\x1d\x56\x42\x00")
    assert dle_eot(2) == b"\x10\x04\x02"


def test_native_qr_block_lengths() -> None:
    data = EscPosBuilder().qr_native("ABC", module=5, ec="Q").build()
    store = b"\x1d\x28\x6b\x06\x00\x31\x50\x30ABC"  # pL pH = len(data) + 3
    assert store in data
    assert b"\x1d\x28\x6b\x03\x00\x31\x43\x05" in data
    assert b"\x1d\x28\x6b\x03\x00\x31\x45\x32" in data
    assert data.endswith(b"\x1d\x28\x6b\x03\x00\x31\x51\x30")


def test_round_trip_text_styles_qr_cut() -> None:
    b = (EscPosBuilder().init().align(Align.CENTER).size(2, 2).bold(True).line("受理回执").size(1, 1).bold(False)
         .align(Align.LEFT).line("编号 AB-12").qr_native("https://x/q/1", module=4).cut())
    pages: list[Page] = []
    it = EscPosInterpreter("gb18030", 576, on_cut=pages.append)
    it.feed(b.build())
    assert len(pages) == 1
    page = pages[0]
    assert page.lines == ["受理回执", "编号 AB-12"]
    assert page.qr_payloads == [b"https://x/q/1"]
    title = page.elements[0]
    assert title.runs[0].width == 2 and title.runs[0].bold and title.align == 1  # type: ignore[union-attr]
    qr = next(e for e in page.elements if isinstance(e, PrintedQr))
    assert qr.module == 4 and qr.ec == "M"
    assert page.cut == "full"
    assert it.unknown_commands == 0


def test_raster_round_trip() -> None:
    b = EscPosBuilder().raster([[True, False] * 8, [False, True] * 8], 16, 2).cut()
    it = interpret(b.build())
    raster = next(e for e in it.pages[0].elements if isinstance(e, PrintedRaster))
    assert (raster.width_bytes, raster.height, raster.bits) == (2, 2, b"\xaa\xaa\x55\x55")


def test_chinese_mode_off_garbles_chinese_like_a_printer() -> None:
    data = b"\x1c\x2e" + "中文".encode("gb18030") + b"\n"
    assert interpret(data).page.lines != ["中文"]
    assert interpret(b"\x1c\x26" + "中文".encode("gb18030") + b"\n").page.lines == ["中文"]


def test_overlong_line_wraps_and_is_flagged() -> None:
    it = interpret("中".encode("gb18030") * 20 + b"\n", dots=384)  # 16 fit on 58 mm
    assert it.page.lines == ["中" * 16, "中" * 4]
    assert it.page.wrapped_lines == 1


def test_unencodable_characters_are_counted() -> None:
    b = EscPosBuilder("gbk").line("OK \U0001F600")
    assert b.lossy_characters == 1
    assert interpret(b.build(), "gbk").page.lines == ["OK ?"]


def test_chunks_split_only_at_command_boundaries() -> None:
    b = EscPosBuilder().init()
    for i in range(40):
        b.bold(i % 2 == 0).line(f"第{i}行 line {i}").qr_native(f"Q{i}", module=3)
    b.cut()
    chunks = b.chunks(64)
    assert b"".join(chunks) == b.build()
    assert len(chunks) > 10
    # A real-time request between any two chunks must not change what is printed.
    reference = interpret(b.build()).pages[0]
    spliced = interpret(dle_eot(1).join(chunks)).pages[0]
    assert spliced.lines == reference.lines
    assert spliced.qr_payloads == reference.qr_payloads


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_interpreter(data: bytes) -> None:
    answered: list[int] = []
    it = EscPosInterpreter("gb18030", 384, on_realtime=answered.append, on_fence=answered.append)
    it.feed(data)
    it.feed(b"\x1b\x40ok\n")  # still works afterwards, unless stuck inside a long command's data
    for page in [*it.pages, it.page]:
        assert all(isinstance(line, str) for line in page.lines)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=8))
def test_feeding_in_pieces_equals_feeding_at_once(data: bytes, cuts: list[int]) -> None:
    whole = EscPosInterpreter("gb18030", 576)
    whole.feed(data)
    pieces = EscPosInterpreter("gb18030", 576)
    points = sorted({min(c, len(data)) for c in cuts})
    start = 0
    for p in [*points, len(data)]:
        pieces.feed(data[start:p])
        start = p
    assert [pg.lines for pg in pieces.pages] == [pg.lines for pg in whole.pages]
    assert pieces.page.lines == whole.page.lines


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_random_pages_render_without_crashing(data: bytes) -> None:
    from kiosk.devices.printer.simulator.render import render_page

    it = EscPosInterpreter("gb18030", 384)
    it.feed(data + b"\x1d\x56\x00")  # whatever came before, cut it
    for page in it.pages:
        img = render_page(page, 384)
        assert img.width == 384 + 32 and img.height >= 1
