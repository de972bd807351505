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
    # simulator: the same PC/SC driver against pcscd + vpcd with the virtual cards of
    # kiosk.devices.smartcard.vcard; real: a physical reader under pcscd.
    mode: DeviceMode = "simulator"
    # Reader name, exact or a part of it ("ACS", "Virtual PCD 00 00"); empty = first reader.
    reader: str = ""
    # SCardGetStatusChange wait per poll: also the longest delay before a queued read starts.
    poll_interval_s: float = Field(default=0.25, gt=0, le=5)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    # One APDU; a card silent for longer is reported mute (PCS-012).
    apdu_timeout_s: float = Field(default=3.0, gt=0)
    # A whole read (bank card: about 10 APDUs).
    read_timeout_s: float = Field(default=20.0, gt=0)
    # Identify a card by itself when it is inserted and report it as a "card_identified" event.
    auto_identify: bool = True
    # PBOC terminal data for the PDOL (the kiosk only reads; amount 0).
    currency_code: str = Field(default="0156", pattern=r"^\d{4}$")
    country_code: str = Field(default="0156", pattern=r"^\d{4}$")
    # Vendor social-security SDK (LD/T 6001.5 iReadCardBas) for third-generation cards; none = off.
    vendor_sdk_library: Path | None = None
    vendor_sdk_card_type: int = 3  # iType; meaning differs by vendor (unconfirmed), hence a setting
    vendor_sdk_fields: tuple[str, ...] = (
        "region_code", "ssn", "card_number", "card_identifier", "name", "atr", "spec_version",
        "issue_date", "expiry_date", "terminal_id", "device_id")
    # Staff-card master keys: a file of "version=hex" lines (relative = project root).
    staff_key_file: Path | None = None
    # Simulator only: where vpcd listens for the virtual card (slot 0 of /etc/reader.conf.d/vpcd).
    vpcd_host: str = "127.0.0.1"
    vpcd_port: int = Field(default=35963, gt=0, lt=65536)
    # Simulator only: start pcscd (daemonised) when none runs. Never on a production kiosk.
    start_pcscd: bool = False


class CameraConfig(Section):
    """One camera (the document camera 高拍仪, or the face camera); see kiosk/devices/camera."""

    mode: DeviceMode = "simulator"
    # V4L2 index ("0") or device path (/dev/video2). Simulator: replay_path, if set, is played
    # (a folder of images, one image or a video file), else synthetic scenes are drawn.
    device: str = "0"
    replay_path: str = ""
    fourcc: str = Field(default="MJPG", min_length=4, max_length=4)  # MJPEG: 1080p30 over USB 2
    width: int = Field(default=1920, ge=160)
    height: int = Field(default=1080, ge=120)
    fps: int = Field(default=30, ge=1, le=120)
    # Full-resolution still for the capture (a 5 MP 高拍仪: 2592 × 1944); 0 = the preview size.
    # Unconfirmed per model: the driver falls back to the preview frame if the switch fails.
    still_width: int = Field(default=0, ge=0)
    still_height: int = Field(default=0, ge=0)
    # The UI gets at most this many preview frames a second, scaled to this width.
    preview_max_fps: float = Field(default=15.0, gt=0, le=60)
    # Page detection + focus run on at most this many frames a second (the rest are read and
    # dropped, so the newest frame is always analysed); stable_frames counts analysed frames.
    analysis_max_fps: float = Field(default=15.0, gt=0, le=120)
    preview_width: int = Field(default=960, ge=160)
    # Document output: JPEG quality and the long side of the flattened page (2000 px ≈ A4 at 170 dpi).
    jpeg_quality: int = Field(default=85, ge=30, le=100)
    output_max_long_side: int = Field(default=2000, ge=320)
    # Page detection (see pipeline.DetectParams for why 0.08 and not 25% on a fixed 高拍仪).
    detect_height: int = Field(default=500, ge=200)
    min_area_ratio: float = Field(default=0.08, gt=0, lt=1)
    card_min_area_ratio: float = Field(default=0.012, gt=0, lt=1)
    # Auto-capture: the page's corners move less than stable_tolerance_px (at 1080p, scaled with
    # the frame height) for stable_frames analysed frames in a row (8 at 15/s ≈ 0.5 s), and the
    # page is sharp enough.
    auto_capture: bool = True
    stable_frames: int = Field(default=8, ge=1, le=120)
    stable_tolerance_px: float = Field(default=6.0, gt=0)
    # Variance of the Laplacian at half size inside the page; calibrated on the simulator
    # (sharp pages 650-3000, defocused 25-150). Unconfirmed for a real lens: tune per model.
    sharpness_threshold: float = Field(default=300.0, ge=0)
    # Face camera: quality gates and the liveness challenge.
    face_min_width_ratio: float = Field(default=0.18, gt=0, lt=1)  # face width / frame width
    face_max_width_ratio: float = Field(default=0.75, gt=0, le=1)
    face_max_centre_offset: float = Field(default=0.25, gt=0, le=1)  # of the frame size
    face_min_brightness: float = Field(default=60.0, ge=0, le=255)  # mean grey of the face box
    face_max_brightness: float = Field(default=215.0, ge=0, le=255)
    face_sharpness_threshold: float = Field(default=80.0, ge=0)  # sharp ≈ 1500+, defocused ≈ 30
    # blink: eyes open → closed → open; turn: a profile view between frontal views; random: either.
    liveness_challenge: Literal["blink", "turn", "random", "none"] = "blink"
    challenge_timeout_s: float = Field(default=15.0, gt=0)
    face_quality_frames: int = Field(default=5, ge=1)  # good frames in a row before the challenge


class FaceCameraConfig(CameraConfig):
    """The face camera: the same settings, other defaults (a 720p camera at eye height)."""

    device: str = "1"
    width: int = Field(default=1280, ge=160)
    height: int = Field(default=720, ge=120)
    auto_capture: bool = False


class DevicesConfig(Section):
    idcard: IdCardReaderConfig = IdCardReaderConfig()
    printer: PrinterConfig = PrinterConfig()
    a4: A4PrinterConfig = A4PrinterConfig()
    smartcard: SmartCardConfig = SmartCardConfig()
    doc_camera: CameraConfig = CameraConfig()
    face_camera: FaceCameraConfig = FaceCameraConfig()


class PlatformConfig(Section):
    base_url: str = "http://127.0.0.1:8741"
    # Demo: the kiosk starts the reference platform itself on loopback (port 0 = any free port;
    # the started server's URL then replaces base_url).
    start_local: bool = False
    local_port: int = Field(default=0, ge=0, le=65535)
    local_data_dir: Path = Path("platform")  # relative to paths.data_dir
    connect_timeout_s: float = Field(default=3.0, gt=0)
    read_timeout_s: float = Field(default=10.0, gt=0)
    # Uploads of attachment parts may take longer than a query.
    upload_timeout_s: float = Field(default=60.0, gt=0)
    # The platform's public keys (base64 raw): Ed25519 verifies catalogues and receipts, X25519
    # seals queued applications. Empty: read them from public_keys_file (the demo writes it).
    signing_public_key: str = ""
    encryption_public_key: str = ""
    public_keys_file: Path = Path("platform/platform_public.json")  # relative to paths.data_dir
    # This terminal's Ed25519 request-signing key; generated on first start (mode 0600).
    terminal_key_file: Path = Path("terminal_key.json")  # relative to paths.data_dir
    # Extra CA bundle for the platform's TLS certificate. Verification is always on.
    ca_bundle: Path | None = None
    # Demo: offer the terminal key so the reference platform enrols it on first contact.
    offer_terminal_key: bool = False
    # Plain http is accepted only to these hosts (the local reference platform).
    insecure_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


class QueueConfig(Section):
    database: Path = Path("queue.sqlite3")  # relative to paths.data_dir
    files_dir: Path = Path("queue-files")  # relative to paths.data_dir
    lock_file: Path = Path("queue.lock")  # one writer process
    # A "sending" lease; an item whose lease expired (hung worker) goes back to the queue.
    lease_s: float = Field(default=300.0, gt=0)
    # Retry delay = uniform(0, min(cap, base * 2**(attempt-1))) — full jitter, capped.
    backoff_base_s: float = Field(default=2.0, gt=0)
    backoff_cap_s: float = Field(default=900.0, gt=0)
    # A server's Retry-After is honoured up to this many seconds.
    max_retry_after_s: float = Field(default=3600.0, gt=0)
    # Transient failures are retried this long, then the item goes to the dead-letter list for
    # staff — never dropped.
    give_up_after_s: float = Field(default=14 * 86400.0, gt=0)
    # Attachment upload part size; a broken upload resumes at the last part the platform has.
    chunk_bytes: int = Field(default=4 * 1024 * 1024, ge=4096)
    # The worker wakes at least this often to look for due work and staff requests.
    poll_interval_s: float = Field(default=5.0, gt=0)
    catalogue_refresh_s: float = Field(default=900.0, gt=0)
    heartbeat_s: float = Field(default=60.0, gt=0)
    # Bounded disk use: enqueue refuses beyond the budget; the alarm fires at alarm_ratio.
    disk_budget_mb: int = Field(default=2048, ge=1)
    disk_alarm_ratio: float = Field(default=0.8, gt=0, le=1)
    min_free_mb: int = Field(default=200, ge=0)
    # Tombstones (receipt, masked routing data) of purged items are kept this long.
    tombstone_retention_days: int = Field(default=180, ge=1)


class StaffConfig(Section):
    # Who may log in: a TOML file of [[staff]] entries (id, role, pin_hash, card_id). Relative paths
    # are taken from the project root. The platform may provision the same entries later.
    staff_file: Path = Path("config/staff-demo.toml")
    # Lobby managers always need their staff card; technicians need it only where a reader exists.
    technician_requires_card: bool = False
    max_pin_attempts: int = Field(default=5, ge=1)
    # Lockout after max_pin_attempts wrong PINs: base × 2^(lockouts-1), capped; survives reboots.
    lockout_base_s: int = Field(default=60, ge=1)
    lockout_max_s: int = Field(default=3600, ge=1)
    lockout_file: Path = Path("staff-lockout.json")  # relative to paths.data_dir
    idle_timeout_s: int = Field(default=300, ge=10)  # session ends after this long without a touch
    max_session_s: int = Field(default=3600, ge=60)  # …and after this long in any case
    # Longest extension a manager may give a citizen's idle timeout in one step.
    max_timeout_extension_s: int = Field(default=600, ge=10)


class DiagConfig(Section):
    check_timeout_s: float = Field(default=10.0, gt=0)  # each self-test check gives up after this
    min_free_mb: int = Field(default=500, ge=1)  # data and log directories need this much free
    cert_warn_days: int = Field(default=30, ge=0)  # platform certificate expiring sooner → fail
    bundle_log_lines: int = Field(default=2000, ge=10)  # recent log lines put into a bundle
    # Where the diagnostics screen offers to export bundles and reports (a USB drive's mount).
    export_dir: Path = Path("/media/usb")
    # Path the reachability check GETs on the platform; any answer below 500 counts as "up".
    platform_health_path: str = Field(default="/", pattern=r"^/")


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
    staff: StaffConfig = StaffConfig()
    diag: DiagConfig = DiagConfig()
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
