"""The developer dock: a small window (demo profile only) that drives the simulators.

Plug-in point: every module in :mod:`kiosk.devdock.panels` that defines
``build_panel(app: "KioskApp") -> QWidget | None`` and ``TITLE_KEY`` (an i18n key) becomes one
tab, in module-name order. A device package adds its controls by adding a module there.
"""
