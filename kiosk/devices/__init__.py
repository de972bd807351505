"""Devices: one package per device, each with a driver, a simulator speaking the same bytes, and
the same small interface for both (see :mod:`kiosk.devices.base`). Drivers know nothing about Qt;
:mod:`kiosk.devices.worker` runs a driver on its own thread and reports through Qt signals."""
