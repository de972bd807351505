"""Composition by configuration, error codes, i18n for the card reader (no PC/SC needed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.devices.smartcard.factory import create_card_reader
from kiosk.devices.smartcard.vcard import VirtualCardController
from kiosk.devices.smartcard.vcard.catalogue import CARDS, DEMO_STAFF_MASTER


def test_demo_profile_gives_driver_and_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__SMARTCARD__START_PCSCD", "false")
    device, controller = create_card_reader(load_config("demo"))
    assert device is not None and isinstance(controller, VirtualCardController)
    assert device.preferred_reader == "Virtual PCD 00 00" and device.keyring is not None
    assert device.keyring.card_key("M0001", 1)  # the demo key file matches the virtual staff cards
    assert set(controller.cards()) == set(CARDS)
    assert controller.port == 35963


def test_production_profile_has_no_simulator() -> None:
    device, controller = create_card_reader(load_config("production"))
    assert device is not None and controller is None and device.preferred_reader == ""


def test_disabled_and_bad_key_file(tmp_path: Path) -> None:
    assert create_card_reader(load_config("demo", env={"KIOSK__DEVICES__SMARTCARD__MODE": "disabled"})) == (None, None)
    bad = tmp_path / "keys.txt"
    bad.write_text("1=nothex\n")
    with pytest.raises(ConfigError, match="staff_key_file"):
        create_card_reader(load_config("production", env={"KIOSK__DEVICES__SMARTCARD__STAFF_KEY_FILE": f'"{bad}"'}))


def test_demo_key_file_is_the_catalogue_key() -> None:
    from kiosk.devices.smartcard.staffcard import StaffKeyring

    ring = StaffKeyring.from_file(Path(__file__).resolve().parent.parent / "assets/smartcard/demo_staff_keys.txt")
    assert ring.card_key("T0042", 1) == StaffKeyring({1: DEMO_STAFF_MASTER}).card_key("T0042", 1)


def test_error_codes_listed_by_diag(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.diag.cli import main

    assert main(["errors", "PCS-042"]) == 0
    assert "PSAM" in capsys.readouterr().out


def test_i18n_both_languages() -> None:
    path = Path(__file__).resolve().parent.parent / "assets/i18n/smartcard.toml"
    for key, entry in tomllib.loads(path.read_text("utf-8")).items():
        assert entry.get("zh_CN") and entry.get("en_US"), key
