"""Typed configuration, declared once.

How to declare a section (constraints in ``Annotated[..., Meta(...)]``, msgspec's)::

    class ExampleConfig(Section):
        timeout_s: Annotated[float, Meta(gt=0, le=60)] = 5.0  # constraint: ge/gt/le/lt, pattern, …
        mode: Literal["simulator", "real"] = "simulator"  # choices
        spool_dir: Path = Path("spool")  # comes out as pathlib.Path; Path | None = None is fine too
    # nest it in its parent as ``example: ExampleConfig = ExampleConfig()``

Layers, later wins: ``config/default.toml`` → ``config/<profile>.toml`` → the ``--config`` file →
environment variables ``KIOSK__SECTION__KEY=value`` (value read as a TOML literal when it parses,
else as a string). A bad file stops start-up with a :class:`ConfigError` naming the file, the key
and what is wrong.

Each device/queue/platform package owns one section class here so every setting, its type and its
default are visible in one place. Sections are frozen records (:class:`Section`); derive a
changed copy with :func:`replace`, a JSON-ready dict with :func:`to_dict`. Only
:func:`load_config` validates — a section built directly in code is trusted as typed.

Validation is msgspec's (pydantic's import and model building took ~230 ms of a ~1 s cold start),
on Struct types mirroring the sections, made when a configuration is validated. The sections
themselves are plain classes: importing msgspec was ~15-20 ms of every start, and a start whose
layers validated before takes the result from the validated-config cache without it.
"""

from __future__ import annotations

import marshal
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, dataclass_transform

from kiosk.tomlcache import CACHE_DIR, fingerprint, read_cached, write_cached

if TYPE_CHECKING:
    from msgspec import Meta

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
ENV_PREFIX = "KIOSK__"

DeviceMode = Literal["simulator", "real", "disabled"]


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Section:
    """Base of every config section: a frozen record of its annotated settings, built with
    keywords; each setting's default is its class attribute. Unknown keys are errors (here and
    in validation), so typos never pass silently."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)  # a subclass keeps its parent's settings, in their order
        defaults = dict(cls._defaults)
        # This class's own annotations (not inherited); inspect.get_annotations would import inspect.
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
            if name.startswith("_") or "ClassVar" in str(annotation):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
            else:
                defaults.pop(name, None)
        cls._fields = tuple(fields)
        cls._defaults = defaults

    def __init__(self, **values: Any) -> None:
        for name in self._fields:
            if name in values:
                value = values.pop(name)
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}: missing setting '{name}'")
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}: unknown setting(s) {', '.join(values)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen (use config.replace)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def _settings(self) -> dict[str, Any]:
        """Every setting by name, in declaration order."""
        return {name: getattr(self, name) for name in self._fields}

    def _values(self) -> tuple[Any, ...]:
        return tuple(self._settings().values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self._settings().items())
        return f"{type(self).__name__}({settings})"


class TerminalConfig(Section):
    id: str = "T-DEMO-0001"
    branch_name: str = "演示支行"
    # GB/T 2260 code of where the kiosk stands; the first two digits decide "cross-province".
    region_code: Annotated[str, Meta(pattern=r"^\d{6}$")] = "310000"


class UiConfig(Section):
    language: Literal["zh_CN", "en_US"] = "zh_CN"
    elderly_mode: bool = False
    fullscreen: bool = True
    width: Annotated[int, Meta(ge=640)] = 1920
    height: Annotated[int, Meta(ge=480)] = 1080
    idle_timeout_s: Annotated[int, Meta(ge=10)] = 90
    elderly_idle_timeout_s: Annotated[int, Meta(ge=10)] = 180
    # The countdown dialog: the brief asks for at least 20 seconds.
    idle_warning_s: Annotated[int, Meta(ge=20)] = 30
    voice_prompts: bool = True
    # Qt Virtual Keyboard (pinyin) for text fields; numeric fields always use the on-screen keypad.
    virtual_keyboard: bool = True
    # Tests only: multiplies every UI timer (idle, countdown ticks) so they run fast; keep 1.0.
    time_scale: Annotated[float, Meta(gt=0, le=1.0)] = 1.0


class PathsConfig(Section):
    # Relative paths are taken from the project root (demo) — production uses absolute paths.
    data_dir: Path = Path("var/demo")
    log_dir: Path = Path("var/demo/logs")
    temp_dir: Path = Path("var/demo/tmp")

    def resolved(self, path: Path) -> Path:
        return path if path.is_absolute() else PROJECT_ROOT / path


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: Annotated[int, Meta(ge=10_000)] = 5_000_000
    backup_count: Annotated[int, Meta(ge=1)] = 10
    also_stderr: bool = True


class IdCardReaderConfig(Section):
    mode: DeviceMode = "simulator"
    # A device path (/dev/ttyUSB0) or any pyserial URL (socket://host:port, loop://).
    port: str = "/dev/ttyUSB0"
    baudrate: Annotated[int, Meta(gt=0)] = 115200
    # Graded timeouts (public drivers: ~1 s find/select, ~2 s for the read header; vendors quote
    # ~1 s of RF time for a whole read, plus 0.1-0.2 s wire time at 115200).
    # Each bounds the wait for the answer's header; the rest of a frame then gets twice its wire
    # time plus frame_margin_s (a stalled answer is reported early).
    command_timeout_s: Annotated[float, Meta(gt=0)] = 1.0  # reset, SAM status, SAM id
    find_timeout_s: Annotated[float, Meta(gt=0)] = 1.0
    select_timeout_s: Annotated[float, Meta(gt=0)] = 1.0
    read_timeout_s: Annotated[float, Meta(gt=0)] = 2.0
    frame_margin_s: Annotated[float, Meta(gt=0)] = 0.5
    # Poll loop: time between finds with no card; between presence probes after a read; between
    # re-probes of a reader in a fault state.
    poll_interval_s: Annotated[float, Meta(gt=0)] = 0.25
    removal_poll_interval_s: Annotated[float, Meta(gt=0)] = 0.4
    fault_poll_interval_s: Annotated[float, Meta(gt=0)] = 2.0
    # Re-sends after a checksum error, garbled or missing answer (find, select, SAM commands).
    retries: Annotated[int, Meta(ge=0, le=5)] = 1
    # Re-reads after "read failed" (SW3 41) while the card is still in the field.
    read_retries: Annotated[int, Meta(ge=0, le=5)] = 1
    with_fingerprint: bool = False  # read 30 10 (text + photo + fingerprint) instead of 30 01
    # Appended address (unconfirmed command, default 30 03): off unless the reader is known to have it.
    read_appended_address: bool = False
    appended_address_command: Annotated[str, Meta(pattern=r"^[0-9A-Fa-f]{2}( ?[0-9A-Fa-f]{2})+$")] = "30 03"
    # How "card left the field" is seen after a read (unconfirmed on real readers): "select" = the
    # card is present while select answers 90; "find" = removed as soon as find answers 80.
    removal_probe: Literal["select", "find"] = "select"
    reset_on_open: bool = False  # send 10 FF (reset SAM) before the status check at open
    # Licensed WLT photo decoder (vendor shared library); empty = none → photo unavailable.
    wlt_library: str = ""
    wlt_symbol: str = "wlt2bmpBuffer"
    wlt_output_size: Annotated[int, Meta(gt=0)] = 38862
    wlt_success_code: int = 1
    # Simulator (mode = "simulator"): link type, test people, extra RF time before a read answer.
    simulator_link: Literal["pty", "socket"] = "pty"
    simulator_people: Path = Path("assets/testdata/idcard_people.toml")
    simulator_rf_delay_s: Annotated[float, Meta(ge=0)] = 0.0


class PrinterConfig(Section):
    """The ESC/POS receipt printer (kiosk.devices.printer)."""

    mode: DeviceMode = "simulator"
    # A device path (/dev/ttyUSB1) or any pyserial URL (socket://host:port, loop://).
    port: str = "/dev/ttyUSB1"
    baudrate: Annotated[int, Meta(gt=0)] = 115200
    # A model profile from assets/printer/profiles.toml (encoding, paper width, native QR, cut …).
    model: str = "generic-80"
    # Hardware flow control: most USB-serial receipt printers want RTS/CTS off (pyserial default).
    rtscts: bool = False
    # Real-time status polling while idle (on the device thread, never the UI thread).
    poll_interval_s: Annotated[float, Meta(gt=0)] = 2.0
    # How long one DLE EOT reply may take, on top of the wire time of bytes still in flight.
    status_timeout_s: Annotated[float, Meta(gt=0)] = 0.5
    # Bytes written between two mid-job status checks.
    chunk_bytes: Annotated[int, Meta(ge=16)] = 512
    # The "job finished" fence (GS r 1) may take this long after the last byte went out.
    fence_timeout_s: Annotated[float, Meta(gt=0)] = 8.0
    # Where the simulator writes each receipt as a PNG (relative to paths.data_dir).
    simulator_output: Path = Path("receipts")
    # The receipt's QR code points here; {reference} is replaced.
    status_url_template: str = "https://gov-platform.example.invalid/q/{reference}"
    # Receipts printed here stay reprintable (补打, assisted mode) for this long and up to this
    # many, newest kept. Memory only, with the name and ID number already masked as on the paper:
    # a restart forgets them (see kiosk/devices/printer/reprints.py).
    reprint_keep_hours: Annotated[float, Meta(gt=0, le=72)] = 8.0
    reprint_keep_count: Annotated[int, Meta(ge=1, le=1000)] = 50


class A4PrinterConfig(Section):
    """A4 certificates through CUPS (kiosk.devices.a4)."""

    # simulator: a local cupsd with a cups-pdf queue is set up on demand (demo, tests).
    mode: DeviceMode = "simulator"
    queue: str = "KioskA4"
    # The CUPS scheduler (host:port); the kiosk talks to it with lp/lpstat/ipptool.
    server: str = "localhost:631"
    # Where cups-pdf writes the "printed" PDFs of the simulator queue.
    pdf_output_dir: Path = Path("/var/spool/cups-pdf/KioskA4")
    job_timeout_s: Annotated[float, Meta(gt=0)] = 60.0
    poll_interval_s: Annotated[float, Meta(gt=0)] = 0.2
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
    poll_interval_s: Annotated[float, Meta(gt=0, le=5)] = 0.25
    connect_timeout_s: Annotated[float, Meta(gt=0)] = 5.0
    # One APDU; a card silent for longer is reported mute (PCS-012).
    apdu_timeout_s: Annotated[float, Meta(gt=0)] = 3.0
    # A whole read (bank card: about 10 APDUs).
    read_timeout_s: Annotated[float, Meta(gt=0)] = 20.0
    # Identify a card by itself when it is inserted and report it as a "card_identified" event.
    auto_identify: bool = True
    # PBOC terminal data for the PDOL (the kiosk only reads; amount 0).
    currency_code: Annotated[str, Meta(pattern=r"^\d{4}$")] = "0156"
    country_code: Annotated[str, Meta(pattern=r"^\d{4}$")] = "0156"
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
    vpcd_port: Annotated[int, Meta(gt=0, lt=65536)] = 35963
    # Simulator only: start pcscd (daemonised) when none runs. Never on a production kiosk.
    start_pcscd: bool = False


class CameraConfig(Section):
    """One camera (the document camera 高拍仪, or the face camera); see kiosk/devices/camera."""

    mode: DeviceMode = "simulator"
    # V4L2 index ("0") or device path (/dev/video2). Simulator: replay_path, if set, is played
    # (a folder of images, one image or a video file), else synthetic scenes are drawn.
    device: str = "0"
    replay_path: str = ""
    fourcc: Annotated[str, Meta(min_length=4, max_length=4)] = "MJPG"  # MJPEG: 1080p30 over USB 2
    width: Annotated[int, Meta(ge=160)] = 1920
    height: Annotated[int, Meta(ge=120)] = 1080
    fps: Annotated[int, Meta(ge=1, le=120)] = 30
    # Full-resolution still for the capture (a 5 MP 高拍仪: 2592 × 1944); 0 = the preview size.
    # Unconfirmed per model: the driver falls back to the preview frame if the switch fails.
    still_width: Annotated[int, Meta(ge=0)] = 0
    still_height: Annotated[int, Meta(ge=0)] = 0
    # The UI gets at most this many preview frames a second, scaled to this width.
    preview_max_fps: Annotated[float, Meta(gt=0, le=60)] = 15.0
    # Page detection + focus run on at most this many frames a second (the rest are read and
    # dropped, so the newest frame is always analysed); stable_frames counts analysed frames.
    analysis_max_fps: Annotated[float, Meta(gt=0, le=120)] = 15.0
    preview_width: Annotated[int, Meta(ge=160)] = 960
    # Document output: JPEG quality and the long side of the flattened page (2000 px ≈ A4 at 170 dpi).
    jpeg_quality: Annotated[int, Meta(ge=30, le=100)] = 85
    output_max_long_side: Annotated[int, Meta(ge=320)] = 2000
    # Page detection (see pipeline.DetectParams for why 0.08 and not 25% on a fixed 高拍仪).
    detect_height: Annotated[int, Meta(ge=200)] = 500
    min_area_ratio: Annotated[float, Meta(gt=0, lt=1)] = 0.08
    card_min_area_ratio: Annotated[float, Meta(gt=0, lt=1)] = 0.012
    # Auto-capture: the page's corners move less than stable_tolerance_px (at 1080p, scaled with
    # the frame height) for stable_frames analysed frames in a row (8 at 15/s ≈ 0.5 s), and the
    # page is sharp enough.
    auto_capture: bool = True
    stable_frames: Annotated[int, Meta(ge=1, le=120)] = 8
    stable_tolerance_px: Annotated[float, Meta(gt=0)] = 6.0
    # Variance of the Laplacian at half size inside the page; calibrated on the simulator
    # (sharp pages 650-3000, defocused 25-150). Unconfirmed for a real lens: tune per model.
    sharpness_threshold: Annotated[float, Meta(ge=0)] = 300.0
    # Face camera: quality gates and the liveness challenge.
    face_min_width_ratio: Annotated[float, Meta(gt=0, lt=1)] = 0.18  # face width / frame width
    face_max_width_ratio: Annotated[float, Meta(gt=0, le=1)] = 0.75
    face_max_centre_offset: Annotated[float, Meta(gt=0, le=1)] = 0.25  # of the frame size
    face_min_brightness: Annotated[float, Meta(ge=0, le=255)] = 60.0  # mean grey of the face box
    face_max_brightness: Annotated[float, Meta(ge=0, le=255)] = 215.0
    face_sharpness_threshold: Annotated[float, Meta(ge=0)] = 80.0  # sharp ≈ 1500+, defocused ≈ 30
    # blink: eyes open → closed → open; turn: a profile view between frontal views; random: either.
    liveness_challenge: Literal["blink", "turn", "random", "none"] = "blink"
    challenge_timeout_s: Annotated[float, Meta(gt=0)] = 15.0
    face_quality_frames: Annotated[int, Meta(ge=1)] = 5  # good frames in a row before the challenge


class FaceCameraConfig(CameraConfig):
    """The face camera: the same settings, other defaults (a 720p camera at eye height)."""

    device: str = "1"
    width: Annotated[int, Meta(ge=160)] = 1280
    height: Annotated[int, Meta(ge=120)] = 720
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
    local_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    local_data_dir: Path = Path("platform")  # relative to paths.data_dir
    connect_timeout_s: Annotated[float, Meta(gt=0)] = 3.0
    read_timeout_s: Annotated[float, Meta(gt=0)] = 10.0
    # Uploads of attachment parts may take longer than a query.
    upload_timeout_s: Annotated[float, Meta(gt=0)] = 60.0
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
    lease_s: Annotated[float, Meta(gt=0)] = 300.0
    # Retry delay = uniform(0, min(cap, base * 2**(attempt-1))) — full jitter, capped.
    backoff_base_s: Annotated[float, Meta(gt=0)] = 2.0
    backoff_cap_s: Annotated[float, Meta(gt=0)] = 900.0
    # A server's Retry-After is honoured up to this many seconds.
    max_retry_after_s: Annotated[float, Meta(gt=0)] = 3600.0
    # Transient failures are retried this long, then the item goes to the dead-letter list for
    # staff — never dropped.
    give_up_after_s: Annotated[float, Meta(gt=0)] = 14 * 86400.0
    # Attachment upload part size; a broken upload resumes at the last part the platform has.
    chunk_bytes: Annotated[int, Meta(ge=4096)] = 4 * 1024 * 1024
    # The worker wakes at least this often to look for due work and staff requests.
    poll_interval_s: Annotated[float, Meta(gt=0)] = 5.0
    catalogue_refresh_s: Annotated[float, Meta(gt=0)] = 900.0
    heartbeat_s: Annotated[float, Meta(gt=0)] = 60.0
    # Bounded disk use: enqueue refuses beyond the budget; the alarm fires at alarm_ratio.
    disk_budget_mb: Annotated[int, Meta(ge=1)] = 2048
    disk_alarm_ratio: Annotated[float, Meta(gt=0, le=1)] = 0.8
    min_free_mb: Annotated[int, Meta(ge=0)] = 200
    # Tombstones (receipt, masked routing data) of purged items are kept this long.
    tombstone_retention_days: Annotated[int, Meta(ge=1)] = 180
    # After 提交 the citizen waits up to this long for the platform's case number while the
    # platform is reachable; then (or at once when it is not) the receipt shows the local one.
    confirm_wait_s: Annotated[float, Meta(ge=0, le=30)] = 5.0


class StaffConfig(Section):
    # Who may log in: a TOML file of [[staff]] entries (id, role, pin_hash, card_id). Relative paths
    # are taken from the project root. The platform may provision the same entries later.
    staff_file: Path = Path("config/staff-demo.toml")
    # Lobby managers always need their staff card; technicians need it only where a reader exists.
    technician_requires_card: bool = False
    max_pin_attempts: Annotated[int, Meta(ge=1)] = 5
    # Lockout after max_pin_attempts wrong PINs: base × 2^(lockouts-1), capped; survives reboots.
    lockout_base_s: Annotated[int, Meta(ge=1)] = 60
    lockout_max_s: Annotated[int, Meta(ge=1)] = 3600
    lockout_file: Path = Path("staff-lockout.json")  # relative to paths.data_dir
    idle_timeout_s: Annotated[int, Meta(ge=10)] = 300  # session ends after this long without a touch
    max_session_s: Annotated[int, Meta(ge=60)] = 3600  # …and after this long in any case
    # Longest extension a manager may give a citizen's idle timeout in one step.
    max_timeout_extension_s: Annotated[int, Meta(ge=10)] = 600


class DiagConfig(Section):
    check_timeout_s: Annotated[float, Meta(gt=0)] = 10.0  # each self-test check gives up after this
    min_free_mb: Annotated[int, Meta(ge=1)] = 500  # data and log directories need this much free
    cert_warn_days: Annotated[int, Meta(ge=0)] = 30  # platform certificate expiring sooner → fail
    bundle_log_lines: Annotated[int, Meta(ge=10)] = 2000  # recent log lines put into a bundle
    # Where the diagnostics screen offers to export bundles and reports (a USB drive's mount).
    export_dir: Path = Path("/media/usb")
    # Path the reachability check GETs on the platform; any answer below 500 counts as "up".
    platform_health_path: Annotated[str, Meta(pattern=r"^/")] = "/"


class DevDockConfig(Section):
    enabled: bool = False


class WatchdogConfig(Section):
    # UI-thread stall watchdog (kiosk/diag/watchdog.py): logs one line per stall when enabled.
    enabled: bool = False
    stall_ms: Annotated[float, Meta(gt=0)] = 50.0  # a heartbeat gap longer than this is a stall
    heartbeat_ms: Annotated[int, Meta(ge=1, le=1000)] = 10


class JourneysConfig(Section):
    """Catalogue, search, recommendations and the journey engine (kiosk/catalogue, kiosk/journeys)."""

    # Shipped with the software so the kiosk is useful on first boot.
    bundled_catalogue: Path = Path("assets/catalogue/demo_catalogue.json")
    # Last good catalogue from the platform, relative to paths.data_dir.
    catalogue_cache: Path = Path("catalogue/catalogue.json")
    # Base64 Ed25519 public key the platform signs catalogues with; empty = accept unsigned
    # (demo only; production.toml sets it). Unconfirmed which algorithm a real platform uses.
    catalogue_public_key: str = ""
    catalogue_refresh_s: Annotated[int, Meta(ge=60)] = 3600
    # Forms with more askable fields than this get one question per screen.
    one_question_threshold: Annotated[int, Meta(ge=1)] = 5
    search_max_results: Annotated[int, Meta(ge=1)] = 50
    # Statutory retirement ages (2025 reform: +1 month per `step` months of birth after `from`,
    # capped). Women use the lower (worker) age so nobody entitled misses a recommendation.
    retirement_male_base_years: Annotated[int, Meta(ge=40, le=80)] = 60
    retirement_male_reform_from: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}$")] = "1965-01"
    retirement_male_step_months: Annotated[int, Meta(ge=1)] = 4
    retirement_male_max_delay_months: Annotated[int, Meta(ge=0)] = 36
    retirement_female_base_years: Annotated[int, Meta(ge=40, le=80)] = 50
    retirement_female_reform_from: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}$")] = "1975-01"
    retirement_female_step_months: Annotated[int, Meta(ge=1)] = 2
    retirement_female_max_delay_months: Annotated[int, Meta(ge=0)] = 60
    max_recommendations: Annotated[int, Meta(ge=1)] = 8
    # A progress query lists the newest cases only (waiting on this kiosk first): a citizen with a
    # long history got every case ever on one screen, slower and bigger each time (the soak).
    max_cases_shown: Annotated[int, Meta(ge=1)] = 8
    face_attempts: Annotated[int, Meta(ge=1)] = 3


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
    watchdog: WatchdogConfig = WatchdogConfig()

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
    """The parsed file, from the parsed-TOML cache when the file has not changed since."""
    try:
        stamp = fingerprint([path])
    except OSError as e:
        raise _unreadable(path, e) from e
    cache = path.parent / CACHE_DIR / f"{path.name}.marshal"
    cached = read_cached(cache, stamp)
    if isinstance(cached, dict):
        return cached
    data = _parse_toml(path)
    write_cached(cache, stamp, data)
    return data


def _parse_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when the cache is missing or stale (its import is ~5 ms of start-up)

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except OSError as e:
        raise _unreadable(path, e) from e


def _unreadable(path: Path, e: OSError) -> ConfigError:
    if isinstance(e, FileNotFoundError):
        return ConfigError(f"{path}: file not found")
    return ConfigError(f"{path}: cannot be read: {e.strerror}")


# Values of KIOSK__… variables are TOML literals; these common forms are read without tomllib
# (tests/test_config.py checks they read as tomllib reads them), anything else goes to tomllib.
_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_PLAIN_STRING = re.compile(r'"[^"\\\x00-\x1f\x7f]*"')


def env_value(raw: str) -> Any:
    """A KIOSK__ variable's value: a TOML literal when it parses as one, else the text itself."""
    if raw in ("true", "false"):
        return raw == "true"
    if _PLAIN_INT.fullmatch(raw):
        return int(raw)
    if _PLAIN_STRING.fullmatch(raw):
        return raw[1:-1]
    import tomllib

    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX):].split("__") if k]
        if not keys:
            continue
        value = env_value(raw)
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
    # Validation is a pure function of the merged layers and of this module's classes: the same
    # layers as last time give back last time's result (msgspec's first conversion analyses every
    # annotation of every section, ~6 ms of start-up; rebuilding the sections takes ~0.2 ms).
    # The layers are compared as marshal bytes, which tell true from 1 and 1 from 1.0.
    cache = config_dir / CACHE_DIR / VALIDATED_CACHE
    stamp = fingerprint([Path(__file__)])
    try:
        layers_key: bytes | None = marshal.dumps(merged)
    except ValueError:
        layers_key = None  # e.g. a TOML date-time: validate every time
    cached = read_cached(cache, stamp) if layers_key is not None else None
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == layers_key:
        try:
            config = _decode(cached[1])
        except (ValueError, TypeError, KeyError, IndexError):
            config = None  # a damaged cache: validate
        if isinstance(config, KioskConfig):
            return config
    try:
        config = _convert(merged)
    except _msgspec().ValidationError:
        problems = _all_problems(merged, sources)
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from None
    if layers_key is not None:
        write_cached(cache, stamp, (layers_key, _encode(config)))
    return config


VALIDATED_CACHE = "validated-config.marshal"


def _encode(value: Any) -> Any:
    """A validated config as marshal-able data: sections and paths tagged, the rest as it is."""
    if isinstance(value, Section):
        return ("section", type(value).__name__,
                {name: _encode(v) for name, v in value._settings().items()})
    if isinstance(value, Path):
        return ("path", str(value))
    if isinstance(value, tuple):
        return ("tuple", tuple(_encode(v) for v in value))
    return value  # str, int, float, bool, None


def _decode(data: Any) -> Any:
    if not isinstance(data, tuple):
        return data
    tag = data[0]
    if tag == "section":
        cls = _section_classes().get(data[1])
        if cls is None:
            raise ValueError(f"unknown section {data[1]}")
        return cls(**{name: _decode(v) for name, v in data[2].items()})
    if tag == "path":
        return Path(data[1])
    return tuple(_decode(v) for v in data[1])


def _section_classes() -> dict[str, type[Section]]:
    found: dict[str, type[Section]] = {}
    todo: list[type[Section]] = [Section]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


S = TypeVar("S", bound=Section)


def replace(section: S, **changes: Any) -> S:
    """A copy of ``section`` with some settings changed (not validated: the caller's values are typed)."""
    unknown = set(changes) - set(section._fields)
    if unknown:
        raise TypeError(f"{type(section).__name__}: unknown setting(s) {', '.join(sorted(unknown))}")
    return type(section)(**{**section._settings(), **changes})


def to_dict(section: Section) -> dict[str, Any]:
    """The section as plain JSON data (paths as strings, tuples as lists), in declaration order."""
    data: dict[str, Any] = _plain_data(section)
    return data


def _plain_data(value: Any) -> Any:
    if isinstance(value, Section):
        return {name: _plain_data(v) for name, v in value._settings().items()}
    if isinstance(value, tuple | list):
        return [_plain_data(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # a path


def field_names(section: Section | type[Section]) -> tuple[str, ...]:
    return section._fields


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path:
        if isinstance(value, str):
            return Path(value)
        raise TypeError("expected a path (a string)")
    raise NotImplementedError(kind)


def _msgspec() -> Any:
    """msgspec, imported when a configuration is validated (not on a start from the cache).

    msgspec uses typing_extensions' get_type_hints when it can import it (FastAPI installs it);
    on Python 3.11 typing's own resolves every annotation here the same, and importing
    typing_extensions is ~5 ms: msgspec is imported with it hidden."""
    import sys

    if "msgspec" not in sys.modules and "typing_extensions" not in sys.modules:
        sys.modules["typing_extensions"] = None  # type: ignore[assignment]
        try:
            import msgspec
        finally:
            del sys.modules["typing_extensions"]
    import msgspec

    return msgspec


def _convert(data: dict[str, Any]) -> KioskConfig:
    """Validate the merged layers on the sections' msgspec mirrors, then build the sections."""
    msgspec = _msgspec()
    # strict=False: a number or boolean written as a string ("45", "true") is read as one, as before.
    validated = msgspec.convert(data, _mirror(KioskConfig), strict=False, dec_hook=_decode_path)
    config = _from_mirror(validated)
    assert isinstance(config, KioskConfig)
    return config


# Section class -> its msgspec Struct mirror, and back (made on the first validation).
_MIRRORS: dict[type[Section], Any] = {}
_SECTIONS: dict[Any, type[Section]] = {}


def _hints(cls: type[Section], extras: bool = True) -> dict[str, Any]:
    """The sections' evaluated annotations (their ``Meta`` is msgspec's)."""
    import typing

    return typing.get_type_hints(cls, localns={"Meta": _msgspec().Meta}, include_extras=extras)


def _mirror(cls: type[Section]) -> Any:
    """A msgspec Struct type with ``cls``'s settings, types, constraints and defaults (nested
    sections mirrored too), refusing unknown keys."""
    mirror = _MIRRORS.get(cls)
    if mirror is not None:
        return mirror
    msgspec = _msgspec()
    hints = _hints(cls)
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name in cls._fields:
        kind = hints[name]
        if isinstance(kind, type) and issubclass(kind, Section):
            kind = _mirror(kind)
        elif _holds_section(kind):
            raise TypeError(f"{cls.__name__}.{name}: a section may only be nested directly")
        if name in cls._defaults:
            fields.append((name, kind, _to_mirror(cls._defaults[name])))
        else:
            fields.append((name, kind))
    mirror = msgspec.defstruct(cls.__name__, fields, kw_only=True, frozen=True,
                               forbid_unknown_fields=True)
    _MIRRORS[cls] = mirror
    _SECTIONS[mirror] = cls
    return mirror


def _holds_section(kind: Any) -> bool:
    from typing import get_args

    return any((isinstance(a, type) and issubclass(a, Section)) or _holds_section(a)
               for a in get_args(kind))


def _to_mirror(value: Any) -> Any:
    if isinstance(value, Section):
        return _mirror(type(value))(**{n: _to_mirror(v) for n, v in value._settings().items()})
    return value


def _from_mirror(value: Any) -> Any:
    cls = _SECTIONS.get(type(value))
    if cls is None:
        return value
    return cls(**{name: _from_mirror(getattr(value, name)) for name in cls._fields})


_MAX_PROBLEMS = 20
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")
_KINDS = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
          "object": "a table of settings", "array": "a list", "null": "nothing"}


def _all_problems(merged: dict[str, Any], sources: Mapping[str, str]) -> list[str]:
    """Every problem, not just the first msgspec reports: drop each bad key and validate again."""
    data = _copy_tree(merged)
    lines: list[str] = []
    while len(lines) < _MAX_PROBLEMS:
        try:
            _convert(data)
            break
        except _msgspec().ValidationError as e:
            m = _AT.match(str(e))
            assert m is not None  # the pattern matches any text
            keys: list[str | int] = [int(k[1:-1]) if k.startswith("[") else k.lstrip(".")
                                     for k in re.findall(r"\.[^.\[]+|\[\d+\]", m["path"] or "")]
            unknown = _UNKNOWN.match(m["msg"])
            if unknown:
                keys.append(unknown["name"])
            lines.append(_describe(keys, m["msg"], unknown is not None, merged, sources))
            if not _drop(data, keys):
                break
    return lines


def _describe(keys: list[str | int], msg: str, unknown: bool, merged: Mapping[str, Any],
              sources: Mapping[str, str]) -> str:
    dotted = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
    setting = ".".join(k for k in keys if isinstance(k, str))  # a list item belongs to its setting
    source = sources.get(setting) or _nearest_source(setting, sources) or "built-in defaults"
    if unknown:
        return f"{source}: {dotted}: unknown setting{_did_you_mean(keys)}"
    try:
        got = f" (got {_lookup(merged, keys)!r})"
    except (KeyError, IndexError, TypeError):
        got = ""
    return f"{source}: {dotted}: {_plain(msg, keys)}{got}"


def _plain(msg: str, keys: list[str | int]) -> str:
    """msgspec's wording, made readable for whoever edits the TOML file."""
    m = re.match(r"^Expected `(\w+)`, got `\w+`$", msg)
    if m:
        return f"expected {_KINDS.get(m[1], m[1])}"
    m = re.match(r"^Expected `(\w+)` ([<>]=?) (\S+)$", msg)
    if m:
        bound = m[3].removesuffix(".0") if m[1] == "float" else m[3]
        return f"must be {_KINDS.get(m[1], m[1])} {m[2]} {bound}"
    m = re.match(r"^Expected `str` matching regex '(.*)'$", msg)
    if m:
        return "must match the pattern " + m[1].replace("\\\\", "\\")  # msgspec shows it repr()-escaped
    m = re.match(r"^Expected `str` of length ([<>]=?) (\d+)$", msg)
    if m:
        return f"must be a string of length {m[1]} {m[2]}"
    if msg.startswith("Invalid enum value"):
        choices = _literal_choices(keys)
        if choices:
            return "must be one of " + ", ".join(repr(c) for c in choices)
    return msg[:1].lower() + msg[1:]


def _field_type(keys: list[str | int]) -> Any:
    """The declared type at ``keys`` (only called to word an error, so speed does not matter)."""
    kind: Any = KioskConfig
    for key in keys:
        if not (isinstance(kind, type) and issubclass(kind, Section)):
            return None
        kind = _hints(kind, extras=False).get(str(key))
    return kind


def _literal_choices(keys: list[str | int]) -> tuple[Any, ...]:
    from typing import get_args, get_origin

    kind = _field_type(keys)
    return get_args(kind) if get_origin(kind) is Literal else ()


def _did_you_mean(keys: list[str | int]) -> str:
    import difflib

    parent = _field_type(keys[:-1])
    if not (isinstance(parent, type) and issubclass(parent, Section)):
        return ""
    close = difflib.get_close_matches(str(keys[-1]), parent._fields, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _lookup(tree: Any, keys: list[str | int]) -> Any:
    for key in keys:
        tree = tree[key]
    return tree


def _drop(tree: Any, keys: list[str | int]) -> bool:
    """Remove the setting a problem was found in (a whole list for a bad item); False if none."""
    names = [k for k in keys if isinstance(k, str)]
    if not names:
        return False
    for key in names[:-1]:
        tree = tree.get(key) if isinstance(tree, dict) else None
    if not isinstance(tree, dict) or names[-1] not in tree:
        return False
    del tree[names[-1]]
    return True


def _copy_tree(tree: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tree(v) if isinstance(v, dict) else v for k, v in tree.items()}


def _nearest_source(dotted: str, sources: Mapping[str, str]) -> str | None:
    for key, src in sources.items():
        if key.startswith(dotted + ".") or dotted.startswith(key + "."):
            return src
    return None
