"""Technician tools: the ``kiosk-diag`` command line and the checks it shares with the UI."""
