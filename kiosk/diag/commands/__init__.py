"""One module per ``kiosk-diag`` sub-command group; each defines ``register(subparsers)``.

Modules here are discovered automatically, so a device package adds its commands by adding a
module, without touching the CLI's core.
"""
