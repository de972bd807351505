"""Staff access: lobby managers (assisted mode) and technicians (diagnostics mode).

Qt-free core:
- :mod:`.pins`: slow salted PIN hashes (scrypt) and constant-time verification;
- :mod:`.directory`: who the staff are (a TOML file from the configuration, or the platform);
- :mod:`.lockout`: wrong-PIN counting and growing lockouts, persisted in the data directory;
- :mod:`.auth`: the login state machine (card → PIN → session), session expiry, the
  :class:`~kiosk.staff.auth.StaffCardVerifier` protocol the card reader fulfils;
- :mod:`.assisted`: the actions a manager may take, each role-checked, reasoned and audited, with
  ports to the citizen session, the queue and the receipt printer;
- :mod:`.factory`, :mod:`.card_adapter`, :mod:`.queue_adapter`: wiring to config and devices.

Qt side: :mod:`.qtfeature` (banner, gesture and staff-card entry, expiry timer, pause), attached
by the composition root; the screens are ``kiosk/screens/{staff_login,assisted,diagnostics,paused}.py``.
"""

# The pause state (暂停服务) that survives a restart; named here so start-up can look for it
# without importing the staff modules.
SERVICE_STATE_FILE = "service-state.json"
