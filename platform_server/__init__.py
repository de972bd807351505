"""Reference implementation of the kiosk platform contract (demo and tests)."""
