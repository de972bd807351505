"""``kiosk-diag``: the technician command line (over SSH or at the kiosk).

Sub-command groups live in :mod:`kiosk.diag.commands` (one module each, discovered here). Each
``register(subparsers)`` adds a parser whose ``func(args, ctx) -> int`` returns the exit code.
Output is human text by default and JSON with ``--json``; personal data is masked unless a command
offers ``--reveal``, which is written to the audit log.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.config import ConfigError, KioskConfig, load_config


@dataclass
class DiagContext:
    args: argparse.Namespace
    _config: KioskConfig | None = None

    @property
    def config(self) -> KioskConfig:
        if self._config is None:
            self._config = load_config(self.args.profile, self.args.config)
            from kiosk import audit

            # Technician actions are audited next to the app's own entries.
            audit.configure(self._config.path(self._config.paths.log_dir) / audit.AUDIT_FILE_NAME)
        return self._config

    def emit(self, data: Any, text: str) -> None:
        """Print ``data`` as JSON with --json, else the human ``text``."""
        if getattr(self.args, "json", False):
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-diag", description="Kiosk technician tools")
    parser.add_argument("--version", action="version", version=f"kiosk-diag {__version__}")
    parser.add_argument("--profile", default=None, help="configuration profile (demo, production …)")
    parser.add_argument("--config", type=Path, default=None, help="extra TOML file over the profile")
    sub = parser.add_subparsers(dest="group", metavar="COMMAND")
    sub.required = True
    from kiosk.diag import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = DiagContext(args)
    try:
        code = int(args.func(args, ctx))
    except ConfigError as e:
        print(f"kiosk-diag: {e}", file=sys.stderr)
        return 3
    return code


if __name__ == "__main__":
    sys.exit(main())
