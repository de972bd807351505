"""Government-services kiosk for bank-branch self-service terminals."""

__version__ = "0.1.0"
