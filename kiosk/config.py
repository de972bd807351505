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
    virtual_keyboard: bool = True


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


class PrinterConfig(Section):
    mode: DeviceMode = "simulator"
    port: str = "/dev/ttyUSB1"
    baudrate: int = Field(default=115200, gt=0)


class SmartCardConfig(Section):
    mode: DeviceMode = "simulator"


class CameraConfig(Section):
    mode: DeviceMode = "simulator"
    device: str = "0"


class DevicesConfig(Section):
    idcard: IdCardReaderConfig = IdCardReaderConfig()
    printer: PrinterConfig = PrinterConfig()
    smartcard: SmartCardConfig = SmartCardConfig()
    doc_camera: CameraConfig = CameraConfig()
    face_camera: CameraConfig = CameraConfig(device="1")


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


class DevDockConfig(Section):
    enabled: bool = False


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
