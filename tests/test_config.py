from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config


def test_demo_profile_simulates_everything() -> None:
    cfg = load_config("demo", env={})
    assert cfg.profile == "demo"
    assert cfg.devices.idcard.mode == "simulator"
    assert cfg.platform.start_local is True
    assert cfg.devdock.enabled is True


def test_production_profile_uses_real_devices() -> None:
    cfg = load_config("production", env={})
    assert cfg.devices.idcard.mode == "real"
    assert cfg.devdock.enabled is False


def test_env_overrides_with_toml_literals() -> None:
    cfg = load_config("demo", env={"KIOSK__UI__IDLE_TIMEOUT_S": "45", "KIOSK__TERMINAL__ID": "T-9"})
    assert cfg.ui.idle_timeout_s == 45
    assert cfg.terminal.id == "T-9"


def test_bad_value_names_file_key_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text('[devices.idcard]\nbaudrate = "fast"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config("demo", bad, env={})
    text = str(e.value)
    assert str(bad) in text and "devices.idcard.baudrate" in text and "integer" in text


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text("[ui]\nidle_timeot_s = 30\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ui.idle_timeot_s: unknown setting"):
        load_config("demo", bad, env={})


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text("[ui\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config("demo", bad, env={})


def test_unknown_profile() -> None:
    with pytest.raises(ConfigError, match="no such profile 'nope'"):
        load_config("nope", env={})


def test_idle_warning_must_be_at_least_20s() -> None:
    with pytest.raises(ConfigError, match=r"ui\.idle_warning_s"):
        load_config("demo", env={"KIOSK__UI__IDLE_WARNING_S": "5"})
