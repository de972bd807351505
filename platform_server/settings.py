"""Settings of the reference platform (command line / environment, no kiosk config needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import PROJECT_ROOT

DEFAULT_CATALOGUE = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path
    # SQLAlchemy URL; default a SQLite file in data_dir. PostgreSQL: postgresql+psycopg://…
    database_url: str | None = None
    # The catalogue document served (signed) at /v1/catalogue; a built-in one when missing.
    catalogue_path: Path = DEFAULT_CATALOGUE
    # Accepted clock difference of a signed request, seconds; nonces are kept this long.
    auth_window_s: int = 300
    # Demo only: a terminal id never seen before is enrolled with the key it presents.
    auto_enroll: bool = False
    # Test/demo admin endpoints (/admin/…): inspection and fault switches. Off in production.
    admin_enabled: bool = False
    # Terminal id → Ed25519 public key (base64), in addition to terminals.json in data_dir.
    terminals: dict[str, str] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'platform.sqlite3'}"
