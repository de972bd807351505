"""Typed configuration, declared once.

Layers, later wins: ``config/default.toml`` → ``config/<profile>.toml`` → the ``--config`` file →
environment variables ``KIOSK__SECTION__KEY=value`` (value read as a TOML literal when it parses,
else as a string). A bad file stops start-up with a :class:`ConfigError` naming the file, the key
and what is wrong.

Each device/queue/platform package owns one section class here so every setting, its type and its
default are visible in one place.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
ENV_PREFIX = "KIOSK__"

DeviceMode = Literal["simulator", "real", "disabled"]


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TerminalConfig(Section):
    id: str = "T-DEMO-0001"
    branch_name: str = "演示支行"
    # GB/T 2260 code of where the kiosk stands; the first two digits decide "cross-province".
    region_code: str = Field(default="310000", pattern=r"^\d{6}$")


class UiConfig(Section):
    language: Literal["zh_CN", "en_US"] = "zh_CN"
    elderly_mode: bool = False
    fullscreen: bool = True
    width: int = Field(default=1920, ge=640)
    height: int = Field(default=1080, ge=480)
    idle_timeout_s: int = Field(default=90, ge=10)
    elderly_idle_timeout_s: int = Field(default=180, ge=10)
    # The countdown dialog: the brief asks for at least 20 seconds.
    idle_warning_s: int = Field(default=30, ge=20)
    voice_prompts: bool = True
    # Qt Virtual Keyboard (pinyin) for text fields; numeric fields always use the on-screen keypad.
    virtual_keyboard: bool = True
    # Tests only: multiplies every UI timer (idle, countdown ticks) so they run fast; keep 1.0.
    time_scale: float = Field(default=1.0, gt=0, le=1.0)


class PathsConfig(Section):
    # Relative paths are taken from the project root (demo) — production uses absolute paths.
    data_dir: Path = Path("var/demo")
    log_dir: Path = Path("var/demo/logs")
    temp_dir: Path = Path("var/demo/tmp")

    def resolved(self, path: Path) -> Path:
        return path if path.is_absolute() else PROJECT_ROOT / path


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(default=5_000_000, ge=10_000)
    backup_count: int = Field(default=10, ge=1)
    also_stderr: bool = True


class IdCardReaderConfig(Section):
    mode: DeviceMode = "simulator"
    # A device path (/dev/ttyUSB0) or any pyserial URL (socket://host:port, loop://).
    port: str = "/dev/ttyUSB0"
    baudrate: int = Field(default=115200, gt=0)
    # Graded timeouts (public drivers: ~1 s find/select, ~2 s for the read header; vendors quote
    # ~1 s of RF time for a whole read, plus 0.1-0.2 s wire time at 115200).
    # Each bounds the wait for the answer's header; the rest of a frame then gets twice its wire
    # time plus frame_margin_s (a stalled answer is reported early).
    command_timeout_s: float = Field(default=1.0, gt=0)  # reset, SAM status, SAM id
    find_timeout_s: float = Field(default=1.0, gt=0)
    select_timeout_s: float = Field(default=1.0, gt=0)
    read_timeout_s: float = Field(default=2.0, gt=0)
    frame_margin_s: float = Field(default=0.5, gt=0)
    # Poll loop: time between finds with no card; between presence probes after a read; between
    # re-probes of a reader in a fault state.
    poll_interval_s: float = Field(default=0.25, gt=0)
    removal_poll_interval_s: float = Field(default=0.4, gt=0)
    fault_poll_interval_s: float = Field(default=2.0, gt=0)
    # Re-sends after a checksum error, garbled or missing answer (find, select, SAM commands).
    retries: int = Field(default=1, ge=0, le=5)
    # Re-reads after "read failed" (SW3 41) while the card is still in the field.
    read_retries: int = Field(default=1, ge=0, le=5)
    with_fingerprint: bool = False  # read 30 10 (text + photo + fingerprint) instead of 30 01
    # Appended address (unconfirmed command, default 30 03): off unless the reader is known to have it.
    read_appended_address: bool = False
    appended_address_command: str = Field(default="30 03", pattern=r"^[0-9A-Fa-f]{2}( ?[0-9A-Fa-f]{2})+$")
    # How "card left the field" is seen after a read (unconfirmed on real readers): "select" = the
    # card is present while select answers 90; "find" = removed as soon as find answers 80.
    removal_probe: Literal["select", "find"] = "select"
    reset_on_open: bool = False  # send 10 FF (reset SAM) before the status check at open
    # Licensed WLT photo decoder (vendor shared library); empty = none → photo unavailable.
    wlt_library: str = ""
    wlt_symbol: str = "wlt2bmpBuffer"
    wlt_output_size: int = Field(default=38862, gt=0)
    wlt_success_code: int = 1
    # Simulator (mode = "simulator"): link type, test people, extra RF time before a read answer.
    simulator_link: Literal["pty", "socket"] = "pty"
    simulator_people: Path = Path("assets/testdata/idcard_people.toml")
    simulator_rf_delay_s: float = Field(default=0.0, ge=0)


class PrinterConfig(Section):
    """The ESC/POS receipt printer (kiosk.devices.printer)."""

    mode: DeviceMode = "simulator"
    # A device path (/dev/ttyUSB1) or any pyserial URL (socket://host:port, loop://).
    port: str = "/dev/ttyUSB1"
    baudrate: int = Field(default=115200, gt=0)
    # A model profile from assets/printer/profiles.toml (encoding, paper width, native QR, cut …).
    model: str = "generic-80"
    # Hardware flow control: most USB-serial receipt printers want RTS/CTS off (pyserial default).
    rtscts: bool = False
    # Real-time status polling while idle (on the device thread, never the UI thread).
    poll_interval_s: float = Field(default=2.0, gt=0)
    # How long one DLE EOT reply may take, on top of the wire time of bytes still in flight.
    status_timeout_s: float = Field(default=0.5, gt=0)
    # Bytes written between two mid-job status checks.
    chunk_bytes: int = Field(default=512, ge=16)
    # The "job finished" fence (GS r 1) may take this long after the last byte went out.
    fence_timeout_s: float = Field(default=8.0, gt=0)
    # Where the simulator writes each receipt as a PNG (relative to paths.data_dir).
    simulator_output: Path = Path("receipts")
    # The receipt's QR code points here; {reference} is replaced.
    status_url_template: str = "https://gov-platform.example.invalid/q/{reference}"


class A4PrinterConfig(Section):
    """A4 certificates through CUPS (kiosk.devices.a4)."""

    # simulator: a local cupsd with a cups-pdf queue is set up on demand (demo, tests).
    mode: DeviceMode = "simulator"
    queue: str = "KioskA4"
    # The CUPS scheduler (host:port); the kiosk talks to it with lp/lpstat/ipptool.
    server: str = "localhost:631"
    # Where cups-pdf writes the "printed" PDFs of the simulator queue.
    pdf_output_dir: Path = Path("/var/spool/cups-pdf/KioskA4")
    job_timeout_s: float = Field(default=60.0, gt=0)
    poll_interval_s: float = Field(default=0.2, gt=0)
    # The verification QR on each certificate; {reference} is replaced.
    verify_url_template: str = "https://gov-platform.example.invalid/verify/{reference}"
    issuer: str = "政务服务自助终端"


class SmartCardConfig(Section):
    mode: DeviceMode = "simulator"


class CameraConfig(Section):
    mode: DeviceMode = "simulator"
    device: str = "0"


class DevicesConfig(Section):
    idcard: IdCardReaderConfig = IdCardReaderConfig()
    printer: PrinterConfig = PrinterConfig()
    a4: A4PrinterConfig = A4PrinterConfig()
    smartcard: SmartCardConfig = SmartCardConfig()
    doc_camera: CameraConfig = CameraConfig()
    face_camera: CameraConfig = CameraConfig(device="1")


class PlatformConfig(Section):
    base_url: str = "http://127.0.0.1:8741"
    # Demo: the kiosk starts the reference platform itself on loopback.
    start_local: bool = False
    connect_timeout_s: float = Field(default=3.0, gt=0)
    read_timeout_s: float = Field(default=10.0, gt=0)


class QueueConfig(Section):
    database: Path = Path("queue.sqlite3")  # relative to paths.data_dir
    files_dir: Path = Path("queue-files")  # relative to paths.data_dir


class DevDockConfig(Section):
    enabled: bool = False


class JourneysConfig(Section):
    """Catalogue, search, recommendations and the journey engine (kiosk/catalogue, kiosk/journeys)."""

    # Shipped with the software so the kiosk is useful on first boot.
    bundled_catalogue: Path = Path("assets/catalogue/demo_catalogue.json")
    # Last good catalogue from the platform, relative to paths.data_dir.
    catalogue_cache: Path = Path("catalogue/catalogue.json")
    # Base64 Ed25519 public key the platform signs catalogues with; empty = accept unsigned
    # (demo only; production.toml sets it). Unconfirmed which algorithm a real platform uses.
    catalogue_public_key: str = ""
    catalogue_refresh_s: int = Field(default=3600, ge=60)
    # Forms with more askable fields than this get one question per screen.
    one_question_threshold: int = Field(default=5, ge=1)
    search_max_results: int = Field(default=50, ge=1)
    # Statutory retirement ages (2025 reform: +1 month per `step` months of birth after `from`,
    # capped). Women use the lower (worker) age so nobody entitled misses a recommendation.
    retirement_male_base_years: int = Field(default=60, ge=40, le=80)
    retirement_male_reform_from: str = Field(default="1965-01", pattern=r"^\d{4}-\d{2}$")
    retirement_male_step_months: int = Field(default=4, ge=1)
    retirement_male_max_delay_months: int = Field(default=36, ge=0)
    retirement_female_base_years: int = Field(default=50, ge=40, le=80)
    retirement_female_reform_from: str = Field(default="1975-01", pattern=r"^\d{4}-\d{2}$")
    retirement_female_step_months: int = Field(default=2, ge=1)
    retirement_female_max_delay_months: int = Field(default=60, ge=0)
    max_recommendations: int = Field(default=8, ge=1)
    face_attempts: int = Field(default=3, ge=1)


class KioskConfig(Section):
    profile: str = "demo"
    terminal: TerminalConfig = TerminalConfig()
    ui: UiConfig = UiConfig()
    paths: PathsConfig = PathsConfig()
    logging: LoggingConfig = LoggingConfig()
    devices: DevicesConfig = DevicesConfig()
    platform: PlatformConfig = PlatformConfig()
    queue: QueueConfig = QueueConfig()
    devdock: DevDockConfig = DevDockConfig()
    journeys: JourneysConfig = JourneysConfig()

    def path(self, p: Path) -> Path:
        """Resolve a path setting against the project root (relative) or keep it (absolute)."""
        return self.paths.resolved(p)

    def data_path(self, p: Path) -> Path:
        """Resolve a path setting relative to the data directory."""
        return p if p.is_absolute() else self.path(self.paths.data_dir) / p


class ConfigError(Exception):
    """A configuration problem, worded for the person who has to fix the file."""


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any], source: str,
                sources: dict[str, str], prefix: str = "") -> None:
    for key, value in over.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value, source, sources, dotted + ".")
        elif isinstance(value, Mapping):
            base[key] = {}
            _deep_merge(base[key], value, source, sources, dotted + ".")
        else:
            base[key] = value
            sources[dotted] = source


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: file not found") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror}") from e


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX):].split("__") if k]
        if not keys:
            continue
        try:
            value: Any = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        node = layer
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return layer


def load_config(profile: str | None = None, config_file: Path | None = None,
                env: Mapping[str, str] | None = None, config_dir: Path = CONFIG_DIR) -> KioskConfig:
    """Build the configuration from its layers; raise :class:`ConfigError` on any problem."""
    env = os.environ if env is None else env
    profile = profile or env.get("KIOSK_PROFILE") or "demo"
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = []
    default = config_dir / "default.toml"
    if default.exists():
        layers.append((str(default), _read_toml(default)))
    profile_file = config_dir / f"{profile}.toml"
    if not profile_file.exists():
        known = sorted(p.stem for p in config_dir.glob("*.toml") if p.stem != "default")
        raise ConfigError(f"{profile_file}: no such profile '{profile}' (known: {', '.join(known)})")
    layers.append((str(profile_file), _read_toml(profile_file)))
    if config_file is not None:
        layers.append((str(config_file), _read_toml(config_file)))
    layers.append(("environment (KIOSK__…)", _env_layer(env)))
    for source, data in layers:
        _deep_merge(merged, data, source, sources)
    merged["profile"] = profile
    try:
        return KioskConfig.model_validate(merged)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            dotted = ".".join(str(p) for p in err["loc"])
            source = sources.get(dotted) or _nearest_source(dotted, sources) or "built-in defaults"
            got = f" (got {err['input']!r})" if err["type"] != "extra_forbidden" else ""
            msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{source}: {dotted}: {msg}{got}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def _nearest_source(dotted: str, sources: Mapping[str, str]) -> str | None:
    for key, src in sources.items():
        if key.startswith(dotted + ".") or dotted.startswith(key + "."):
            return src
    return None
