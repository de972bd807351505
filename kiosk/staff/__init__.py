"""Staff access: lobby managers (assisted mode) and technicians (diagnostics mode).

- :mod:`.pins`: slow salted PIN hashes (scrypt) and constant-time verification;
- :mod:`.directory`: who the staff are (a TOML file from the configuration, or the platform);
- :mod:`.lockout`: wrong-PIN counting and growing lockouts, persisted in the data directory;
- :mod:`.auth`: the login state machine (card → PIN → session) and session expiry;
- :mod:`.assisted`: the actions a manager may take, each role-checked, reasoned and audited.
"""
