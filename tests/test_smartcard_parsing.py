"""TLV / APDU / EMV / SSC parsing: exact unit checks and property tests (only typed errors)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.smartcard import emv, ssc, staffcard, tlv
from kiosk.devices.smartcard.apdu import (
    ApduChannel,
    ApduError,
    CommandApdu,
    parse_command,
    parse_response,
)
from kiosk.devices.smartcard.checks import id_number_valid, luhn_valid
from kiosk.devices.smartcard.errors import BadCardData, CardFault
from kiosk.devices.smartcard.vcard import catalogue
from kiosk.devices.smartcard.vcard.cards import VirtualCard
from kiosk.devices.smartcard.vendor_sdk import VendorSdkFailed, parse_basic_info

PARSE_ERRORS = (tlv.TlvError, ApduError, CardFault)


def channel_for(card: VirtualCard) -> ApduChannel:
    card.power_on()

    def raw(command: bytes) -> bytes:
        answer = card.respond(command)
        assert answer is not None
        return answer

    return ApduChannel(raw)


# --- TLV ------------------------------------------------------------------------------------

def test_tlv_nested_and_multibyte_tags() -> None:
    data = tlv.encode(0x6F, [tlv.encode(0x84, b"ABC"), tlv.encode(0xA5, [tlv.encode(0x9F38, b"\x9f\x02\x06")])])
    node = tlv.parse_one(data, 0x6F)
    assert node.find(0x84) is not None and node.find(0x84).value == b"ABC"  # type: ignore[union-attr]
    assert node.find(0x9F38).value == b"\x9f\x02\x06"  # type: ignore[union-attr]
    assert [e.tag for e in tlv.parse_dol(bytes.fromhex("9F7A019F02065F2A02"))] == [0x9F7A, 0x9F02, 0x5F2A]


def test_tlv_long_lengths_round_trip() -> None:
    for size in (0, 1, 127, 128, 255, 256, 1000):
        node = tlv.parse_one(tlv.encode(0x04, bytes(size)))
        assert len(node.value) == size


@pytest.mark.parametrize("raw", ["6F", "6F05", "6F0584", "9F", "9F8080", "5A81", "5A8105", "5A80", "5A84FFFFFFFF"])
def test_tlv_truncated_is_a_typed_error(raw: str) -> None:
    with pytest.raises(tlv.TlvError):
        tlv.parse(bytes.fromhex(raw))


def _deep(depth: int) -> bytes:
    data = b"\x01\x00"
    for _ in range(depth):
        data = tlv.encode(0x70, data)
    return data


def test_tlv_depth_is_bounded() -> None:
    tlv.parse(_deep(tlv.MAX_DEPTH))
    with pytest.raises(tlv.TlvError):
        tlv.parse(_deep(tlv.MAX_DEPTH + 2))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_tlv_parse_only_typed_errors(data: bytes) -> None:
    try:
        nodes = tlv.parse(data)
    except tlv.TlvError:
        return
    for node in nodes:  # whatever parsed lies within the input
        assert len(node.value) <= len(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x5A, 0x57, 0x9F02, 0x5F20, 0xDF8101]), st.binary(max_size=300)), max_size=5))
def test_tlv_encode_parse_round_trip(items: list[tuple[int, bytes]]) -> None:
    data = b"".join(tlv.encode(t, v) for t, v in items)
    parsed = tlv.parse(data, allow_padding=False)
    assert [(n.tag, n.value) for n in parsed] == items


# --- APDU ----------------------------------------------------------------------------------

def test_command_apdu_cases() -> None:
    assert CommandApdu(0, 0xB2, 1, 0x0C, b"", 256).encode() == bytes.fromhex("00B2010C00")
    assert parse_command(bytes.fromhex("00A404000E315041592E5359532E444446303100")).le == 256
    assert parse_command(bytes.fromhex("00A404000E315041592E5359532E4444463031")).le is None
    with pytest.raises(ApduError):
        parse_command(bytes.fromhex("00A40400FF01"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=270))
def test_apdu_parsers_only_typed_errors(data: bytes) -> None:
    for parser in (parse_command, parse_response):
        try:
            parser(data)
        except ApduError:
            pass


def test_get_response_and_resend_with_le() -> None:
    card = catalogue.make_card("unionpay_t0")
    channel = channel_for(card)
    result = emv.read_bank_card(channel, emv.TerminalParams(), contactless=False)
    assert result.pan == catalogue.T0_PAN
    plain = channel_for(catalogue.make_card("unionpay_debit"))
    emv.read_bank_card(plain, emv.TerminalParams(), contactless=False)
    assert channel.stats.apdus > plain.stats.apdus  # the extra 61xx / 6Cxx exchanges happened


def test_endless_61xx_is_bad_data() -> None:
    channel = ApduChannel(lambda _command: b"\x61\x10")
    with pytest.raises(BadCardData):
        channel.transmit(CommandApdu(0, 0xA4, 4, 0, b"\x01\x02"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=30))
def test_bank_read_on_garbage_answers_only_typed_errors(answers: list[bytes]) -> None:
    """A card answering anything at all ends in a typed fault or a valid card, never a crash."""
    queue = list(answers)

    def raw(_command: bytes) -> bytes:
        return queue.pop(0) if queue else b"\x6a\x82"

    try:
        emv.read_bank_card(ApduChannel(raw), emv.TerminalParams(), contactless=False)
    except PARSE_ERRORS:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=20))
def test_ssc_and_staff_on_garbage_only_typed_errors(answers: list[bytes]) -> None:
    for reader in (ssc.read_social_security_card,
                   lambda ch: staffcard.authenticate(ch, staffcard.StaffKeyring({1: bytes(16)}))):
        queue = list(answers)

        def raw(_command: bytes, queue: list[bytes] = queue) -> bytes:
            return queue.pop(0) if queue else b"\x90\x00"

        try:
            reader(ApduChannel(raw))
        except PARSE_ERRORS:
            pass


# --- EMV details ------------------------------------------------------------------------------

def test_pdol_filled_with_bcd_amount_currency_and_zeroed_unknowns() -> None:
    pdol = bytes.fromhex("9F7A019F02065F2A029F6604" "9F3704" "9A03" "DF6901" "9F1A03")
    now = dt.datetime(2026, 11, 22, 9, 30, 0)
    data = emv.build_pdol_data(pdol, emv.TerminalParams(amount_minor=12345, ecash_indicator=1), now,
                               lambda n: b"\xAA" * n)
    assert data == bytes.fromhex("01" "000000012345" "0156" "26000080" "AAAAAAAA" "261122" "00" "000156")


def test_gpo_formats_and_afl() -> None:
    f1 = emv.parse_gpo(bytes.fromhex("800A7C00" "10010100" "18010201"))
    assert f1.format == 1 and [(a.sfi, a.first, a.last) for a in f1.afl] == [(2, 1, 1), (3, 1, 2)]
    f2 = emv.parse_gpo(tlv.encode(0x77, [tlv.encode(0x82, b"\x00\x00"), tlv.encode(0x94, bytes.fromhex("10010100"))]))
    assert f2.format == 2 and f2.afl[0].sfi == 2
    for bad in ("8001FF", "800A7C00100101", "8006" "7C00" "00010100", "7700", "9000"):
        with pytest.raises(BadCardData):
            emv.parse_gpo(bytes.fromhex(bad))


def test_track2_fallback_and_card_repr_masked(caplog: pytest.LogCaptureFixture) -> None:
    card = emv.read_bank_card(channel_for(catalogue.make_card("unionpay_contactless")), emv.TerminalParams(),
                              contactless=True)
    assert card.pan == catalogue.CONTACTLESS_PAN and card.pan_source == "57" and card.gpo_format == 2
    assert card.expiry.startswith("2911")
    assert card.pan not in repr(card) and card.pan not in str(card) and card.pan not in json.dumps(card.summary())
    assert card.masked_pan == card.pan[:6] + "*" * (len(card.pan) - 10) + card.pan[-4:]


def test_checks() -> None:
    assert luhn_valid(catalogue.DEBIT_PAN) and not luhn_valid(catalogue.DEBIT_PAN[:-1] + "0")
    assert id_number_valid(catalogue.SSC1_SSN) and id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")


# --- social-security card and staff card in-process -------------------------------------------

def test_ssc_generations_and_clear_refusals() -> None:
    gen1 = ssc.read_social_security_card(channel_for(catalogue.make_card("ssc_gen1")))
    assert (gen1.ssn, gen1.name, gen1.gender, gen1.generation) == (catalogue.SSC1_SSN, "测试甲", "female", 1)
    assert gen1.issue_date == dt.date(2020, 1, 15) and gen1.region_code == "310104"
    assert gen1.ssn not in repr(gen1) and "测试甲" not in repr(gen1)
    gen2 = ssc.read_social_security_card(channel_for(catalogue.make_card("ssc_gen2")))
    assert gen2.spec_version == "2.00" and gen2.card_number == "B00000002"
    with pytest.raises(ssc.TerminalAuthRequired):
        ssc.read_social_security_card(channel_for(catalogue.make_card("ssc_gen3")))
    with pytest.raises(ssc.PinRequired):
        ssc.read_social_security_card(channel_for(catalogue.make_card("ssc_pin")))


def test_staff_challenge_response_fresh_and_forgery_rejected() -> None:
    keyring = staffcard.StaffKeyring({1: catalogue.DEMO_STAFF_MASTER})
    challenges: list[bytes] = []

    def rng(n: int) -> bytes:
        import secrets

        challenges.append(secrets.token_bytes(n))
        return challenges[-1]

    ident = staffcard.authenticate(channel_for(catalogue.make_card("staff_manager")), keyring, rng)
    staffcard.authenticate(channel_for(catalogue.make_card("staff_manager")), keyring, rng)
    assert ident == staffcard.StaffCardIdentity("M0001", "lobby_manager", 1)
    assert challenges[0] != challenges[1]
    with pytest.raises(staffcard.StaffAuthFailed):
        staffcard.authenticate(channel_for(catalogue.make_card("staff_forged")), keyring)
    with pytest.raises(staffcard.StaffKeyMissing):
        staffcard.authenticate(channel_for(catalogue.make_card("staff_manager")), staffcard.StaffKeyring({2: bytes(16)}))


def test_vendor_sdk_output_parsing() -> None:
    line = f"310106|{catalogue.SSC3_SSN}|C00000003|310106D15600000500|测试丙|3B68|3.00|20200115|20300115|T1|D1|"
    card = parse_basic_info(line.encode("gbk"))
    assert card.name == "测试丙" and card.gender == "male" and card.expiry_date == dt.date(2030, 1, 15)
    for bad in (b"1|2", b"310106|110105194912310021|x|x|x|x|x|x|x|x|x|", b"\xff\xfe|"):
        with pytest.raises(VendorSdkFailed):
            parse_basic_info(bad)


def test_track2_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The whole read path logs nothing that contains the PAN or track 2."""
    caplog.set_level(logging.DEBUG)
    card = catalogue.make_card("unionpay_debit")
    emv.read_bank_card(channel_for(card), emv.TerminalParams(), contactless=False)
    track2 = catalogue.DEBIT_PAN + "D3012"
    for record in caplog.records:
        text = record.getMessage() + json.dumps(getattr(record, "fields", {}), default=str)
        assert catalogue.DEBIT_PAN not in text and track2 not in text.upper()


@pytest.mark.parametrize(("version", "sw", "fault"), [
    ("2.00", "6982", ssc.PinRequired), ("2.00", "6983", ssc.PinBlocked), ("2.00", "63C2", ssc.PinRequired),
    ("3.00", "6982", ssc.TerminalAuthRequired), ("2.00", "6A82", CardFault)])
def test_ssc_status_words_become_clear_faults(version: str, sw: str, fault: type[Exception]) -> None:
    """SELECT ok, spec version readable, then the next record answers ``sw``."""
    answers = [b"\x90\x00", b"\x03\x04" + version.encode() + b"\x90\x00", bytes.fromhex(sw)]

    def raw(_command: bytes) -> bytes:
        return answers.pop(0)

    with pytest.raises(fault) as caught:
        ssc.read_social_security_card(ApduChannel(raw))
    if sw == "63C2":
        assert caught.value.tries_left == 2  # type: ignore[attr-defined]
