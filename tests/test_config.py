import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import ConfigError, FaceCameraConfig, field_names, load_config, replace, to_dict


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


def _error(tmp_path: Path, text: str) -> str:
    bad = tmp_path / "site.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config("demo", bad, env={})
    return str(e.value)


def test_bad_type_in_a_nested_section_names_the_file_and_dotted_key(tmp_path: Path) -> None:
    text = _error(tmp_path, '[devices.face_camera]\nwidth = "big"\n')
    assert f"{tmp_path / 'site.toml'}: devices.face_camera.width: expected an integer (got 'big')" in text


def test_value_below_a_minimum(tmp_path: Path) -> None:
    text = _error(tmp_path, "[ui]\nwidth = 10\n")
    assert "ui.width: must be an integer >= 640 (got 10)" in text
    text = _error(tmp_path, "[queue]\nlease_s = 0\n")
    assert "queue.lease_s: must be a number > 0 (got 0)" in text


def test_unknown_key_suggests_the_closest_setting(tmp_path: Path) -> None:
    text = _error(tmp_path, "[devices.idcard]\nbaud_rate = 9600\n")
    assert "devices.idcard.baud_rate: unknown setting (did you mean 'baudrate'?)" in text
    assert "uii: unknown setting" in _error(tmp_path, "[uii]\nx = 1\n")


def test_bad_literal_lists_the_choices(tmp_path: Path) -> None:
    text = _error(tmp_path, '[devices.printer]\nmode = "fake"\n')
    assert "devices.printer.mode: must be one of 'simulator', 'real', 'disabled' (got 'fake')" in text


def test_pattern_and_path_problems(tmp_path: Path) -> None:
    text = _error(tmp_path, '[terminal]\nregion_code = "31"\n[paths]\ndata_dir = 5\n')
    assert r"terminal.region_code: must match the pattern ^\d{6}$ (got '31')" in text
    assert "paths.data_dir: expected a path (a string) (got 5)" in text


def test_every_problem_is_reported_with_the_layer_that_set_it(tmp_path: Path) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text('[ui]\nlanguage = "fr"\nfoo = 1\n[platform]\ninsecure_hosts = ["a", 1]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config("demo", bad, env={"KIOSK__UI__IDLE_WARNING_S": "5"})
    lines = {line.strip() for line in str(e.value).splitlines()[1:]}
    assert lines == {f"{bad}: ui.language: must be one of 'zh_CN', 'en_US' (got 'fr')",
                     "environment (KIOSK__…): ui.idle_warning_s: must be an integer >= 20 (got 5)",
                     f"{bad}: ui.foo: unknown setting",
                     f"{bad}: platform.insecure_hosts[1]: expected a string (got 1)"}


def test_types_come_out_as_declared() -> None:
    cfg = load_config("demo", env={"KIOSK__UI__TIME_SCALE": "1", "KIOSK__UI__WIDTH": '"1024"',
                                   "KIOSK__PLATFORM__CA_BUNDLE": '"certs/ca.pem"'})
    assert isinstance(cfg.paths.data_dir, Path) and isinstance(cfg.devices.idcard.simulator_people, Path)
    assert cfg.platform.ca_bundle == Path("certs/ca.pem")
    assert load_config("production", env={}).platform.ca_bundle is None
    assert isinstance(cfg.ui.time_scale, float) and cfg.ui.width == 1024  # "1024" read as a number
    assert isinstance(cfg.platform.insecure_hosts, tuple)
    with pytest.raises(AttributeError):
        cfg.ui.width = 800  # type: ignore[misc]


def test_a_section_set_in_a_file_starts_from_its_class_defaults(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[devices.face_camera]\nmode = "real"\n', encoding="utf-8")
    cam = load_config("demo", site, env={}).devices.face_camera
    assert isinstance(cam, FaceCameraConfig)
    assert (cam.mode, cam.device, cam.width, cam.height, cam.auto_capture) == ("real", "1", 1280, 720, False)
    assert load_config("demo", env={}).devices.doc_camera.device == "0"


def test_replace_and_to_dict() -> None:
    cfg = load_config("demo", env={})
    changed = replace(cfg.devices.idcard, port="loop://", baudrate=9600)
    assert (changed.port, changed.baudrate, cfg.devices.idcard.port) == ("loop://", 9600, "/dev/ttyUSB0")
    data = to_dict(cfg)
    assert data["paths"]["data_dir"] == str(cfg.paths.data_dir)
    assert data["platform"]["insecure_hosts"] == list(cfg.platform.insecure_hosts)
    assert list(data["devices"]) == list(field_names(cfg.devices))
    assert json.loads(json.dumps(data)) == data


_SCALARS = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.booleans(),
                     st.text(max_size=8), st.lists(st.integers(0, 9), max_size=3))
_KEYS = st.sampled_from(["ui", "terminal", "devices", "idcard", "face_camera", "width", "mode", "language",
                         "data_dir", "insecure_hosts", "port", "lease_s", "typo", "region_code"])
_TREES = st.recursive(_SCALARS, lambda inner: st.dictionaries(_KEYS, inner, max_size=4), max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, max_size=4))
def test_any_file_content_loads_or_fails_with_a_config_error(data: dict[str, object]) -> None:
    """Never another exception, and every problem line names the file or layer and a key."""
    import msgspec

    from kiosk import config

    merged: dict[str, object] = {}
    sources: dict[str, str] = {}
    config._deep_merge(merged, data, "site.toml", sources)
    try:
        config._convert(merged)  # type: ignore[arg-type]
    except msgspec.ValidationError:  # anything else escaping would fail the test
        problems = config._all_problems(merged, sources)
        assert problems and all(": " in line for line in problems)


def _tomllib_env_value(raw: str) -> object:
    import tomllib

    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.text(max_size=12),
    st.integers().map(str),
    st.text(max_size=10).map(lambda t: f'"{t}"'),
    st.sampled_from(["true", "false", "True", "007", "-0", "+5", "1_000", "1.5", '"a\\"b"',
                     '"tab\there"', "[1, 2]", "'lit'", '""', '"', "-", ""]),
))
def test_env_values_read_as_tomllib_reads_them(raw: str) -> None:
    """The fast path for plain literals in KIOSK__ variables must agree with tomllib."""
    from kiosk.config import env_value

    got, want = env_value(raw), _tomllib_env_value(raw)
    assert got == want and type(got) is type(want)


def test_config_files_are_parsed_once_and_again_when_changed(tmp_path: Path) -> None:
    import os

    conf = tmp_path / "config"
    conf.mkdir()
    (conf / "default.toml").write_text('[terminal]\nid = "T-A"\n', encoding="utf-8")
    (conf / "demo.toml").write_text("[ui]\nelderly_mode = true\n", encoding="utf-8")
    first = load_config("demo", env={}, config_dir=conf)
    assert (first.terminal.id, first.ui.elderly_mode) == ("T-A", True)
    cache = conf / "__pycache__" / "default.toml.marshal"
    assert cache.exists()
    cache.write_bytes(cache.read_bytes().replace(b"T-A", b"T-Z"))  # the cache is what is read
    assert load_config("demo", env={}, config_dir=conf).terminal.id == "T-Z"
    # a changed file (same size, later mtime) is parsed again
    (conf / "default.toml").write_text('[terminal]\nid = "T-B"\n', encoding="utf-8")
    stat = (conf / "default.toml").stat()
    os.utime(conf / "default.toml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    assert load_config("demo", env={}, config_dir=conf).terminal.id == "T-B"
    # a broken file is still named, cache or not
    (conf / "demo.toml").write_text("[ui\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"demo\.toml: not valid TOML"):
        load_config("demo", env={}, config_dir=conf)


def test_validation_is_reused_for_the_same_layers_only(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from kiosk import config as config_module
    from kiosk.config import CONFIG_DIR, VALIDATED_CACHE

    conf = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, conf, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"KIOSK__UI__IDLE_TIMEOUT_S": "45"}
    fresh = load_config("demo", env=env, config_dir=conf)
    assert (conf / "__pycache__" / VALIDATED_CACHE).exists()

    def no_validation(data: object) -> object:
        raise AssertionError("validated again")

    with monkeypatch.context() as m:
        m.setattr(config_module, "_convert", no_validation)
        again = load_config("demo", env=env, config_dir=conf)  # from the cache
    assert again == fresh and again.ui.idle_timeout_s == 45
    assert isinstance(again.paths.data_dir, Path) and isinstance(again.platform.insecure_hosts, tuple)
    # other layers are validated, and a bad value is still an error with a cache in place
    assert load_config("demo", env={"KIOSK__UI__IDLE_TIMEOUT_S": "50"}, config_dir=conf).ui.idle_timeout_s == 50
    with pytest.raises(ConfigError, match="idle_timeout_s"):
        load_config("demo", env={"KIOSK__UI__IDLE_TIMEOUT_S": "5"}, config_dir=conf)
    # a damaged cache is validated around, not trusted
    cache = conf / "__pycache__" / VALIDATED_CACHE
    load_config("demo", env=env, config_dir=conf)
    assert b"UiConfig" in cache.read_bytes()
    cache.write_bytes(cache.read_bytes().replace(b"UiConfig", b"NoConfig"))
    assert load_config("demo", env=env, config_dir=conf) == fresh


def test_sections_are_frozen_keyword_records() -> None:
    from kiosk.config import CameraConfig, UiConfig

    ui = UiConfig(width=1280)
    with pytest.raises(AttributeError):
        ui.width = 1024  # type: ignore[misc]
    with pytest.raises(TypeError, match="unknown setting"):
        UiConfig(widht=1280)  # type: ignore[call-arg]
    assert ui == UiConfig(width=1280) and hash(ui) == hash(UiConfig(width=1280))
    assert ui != UiConfig() and ui != replace(ui, height=720)
    assert replace(ui, height=720).height == 720 and replace(ui, height=720).width == 1280
    with pytest.raises(TypeError, match="unknown setting"):
        replace(ui, widht=1)
    # A subclass keeps its parent's settings, in their order, with its own defaults.
    assert field_names(FaceCameraConfig) == field_names(CameraConfig)
    assert (FaceCameraConfig().width, CameraConfig().width) == (1280, 1920)
    assert "width=1280" in repr(ui)


VALIDATED_START = """
import sys
from kiosk.config import load_config
config = load_config("demo")
print("MSGSPEC", "msgspec" in sys.modules, config.terminal.branch_name)
"""


def test_a_start_from_the_validated_cache_does_not_import_msgspec() -> None:
    """msgspec (the validator) is ~15-20 ms of a start: a start whose layers validated before
    takes the sections from the validated-config cache without importing it."""
    branch = f"branch-{uuid.uuid4().hex}"  # layers never validated before
    env = {**os.environ, "KIOSK__TERMINAL__BRANCH_NAME": branch}
    run = [sys.executable, "-c", VALIDATED_START]
    first = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env)
    again = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env)
    assert first.stdout.split() == ["MSGSPEC", "True", branch], first.stderr[-2000:]
    assert again.stdout.split() == ["MSGSPEC", "False", branch], again.stderr[-2000:]
