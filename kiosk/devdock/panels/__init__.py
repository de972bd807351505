"""Dev-dock panels, one module per simulated device (see kiosk.devdock)."""
