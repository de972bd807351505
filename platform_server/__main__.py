"""``kiosk-platform`` / ``python -m platform_server``: run the reference platform."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from platform_server.settings import DEFAULT_CATALOGUE, ServerSettings


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="kiosk-platform", description="reference platform server")
    p.add_argument("--data-dir", type=Path, default=Path("var/platform"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8741)
    p.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: SQLite file)")
    p.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    p.add_argument("--terminals", type=Path, default=None,
                   help="JSON file {terminal_id: ed25519_public_key_b64}")
    p.add_argument("--auto-enroll", action="store_true", help="demo: trust a new terminal's key")
    p.add_argument("--admin", action="store_true", help="enable /admin endpoints (tests)")
    args = p.parse_args(argv)
    import uvicorn

    from platform_server.app import create_app

    terminals = json.loads(args.terminals.read_text()) if args.terminals else {}
    settings = ServerSettings(data_dir=args.data_dir, database_url=args.database_url,
                              catalogue_path=args.catalogue, auto_enroll=args.auto_enroll,
                              admin_enabled=args.admin, terminals=terminals)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
