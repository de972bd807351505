"""Resident ID-card reader (GA 467 style SAM module): codec, driver, simulator, parser.

Layers, bottom up: :mod:`.transport` / :mod:`.serial_transport` (bytes) → :mod:`.frame` (pure
codec) → :mod:`.link` (one request, one answer, typed failures) → :mod:`.commands` and
:mod:`.errors` (command set, SW3 → IDR codes) → :mod:`.driver` (device interface, state machine,
poll loop) → :mod:`.factory` (real or simulator by configuration). :mod:`.parser` turns the text
block into an :class:`~.identity.IdentityCard`; :mod:`.photo` holds the WLT decoder interface.
"""
