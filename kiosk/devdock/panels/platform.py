"""Dev-dock tab for the platform link (demo): cut the network, inject platform faults.

Talks only to ``app.simulators["platform"]``: the fault-injecting proxy between the kiosk and the
local reference platform (``kiosk.offline.QueueServices.faults``). Each button arms one fault for
the next matching request; the queue's retries, dead letters and status bar show the effect.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import tr
from kiosk.qt import QtWidgets

TITLE_KEY = "queue.dock.title"

# (i18n key, FaultRule arguments)
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("queue.dock.fault_503", {"mode": "http_status", "method": "POST",
                              "path_prefix": "/v1/applications", "status": 503}),
    ("queue.dock.fault_429", {"mode": "http_429", "method": "POST",
                              "path_prefix": "/v1/applications", "retry_after_s": 10}),
    ("queue.dock.fault_reset", {"mode": "reset_after", "method": "POST",
                                "path_prefix": "/v1/applications"}),
    ("queue.dock.fault_upload_reset", {"mode": "reset_after", "method": "PUT",
                                       "path_prefix": "/v1/attachments/"}),
    ("queue.dock.fault_signature", {"mode": "bad_signature", "method": "POST",
                                    "path_prefix": "/v1/applications"}),
    ("queue.dock.fault_garbage", {"mode": "garbage", "path_prefix": "/v1/"}),
    ("queue.dock.fault_reject", {"mode": "http_status", "method": "POST",
                                 "path_prefix": "/v1/applications", "status": 400}),
    ("queue.dock.fault_slow", {"mode": "slow", "path_prefix": "/v1/", "count": 5,
                               "delay_s": 2.0}),
]


def build_panel(app: Any) -> QtWidgets.QWidget | None:
    proxy = getattr(app, "simulators", {}).get("platform")
    if proxy is None:
        return None
    from platform_server.faultproxy import FaultRule  # demo-only dependency

    w = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(w)
    offline = QtWidgets.QCheckBox(tr("queue.dock.offline"))
    offline.toggled.connect(proxy.set_refusing)
    layout.addWidget(offline)
    box = QtWidgets.QGroupBox(tr("queue.dock.next_request"))
    grid = QtWidgets.QGridLayout(box)
    armed = QtWidgets.QLabel()

    def refresh() -> None:
        armed.setText(tr("queue.dock.armed", n=sum(r.count for r in list(proxy.rules))))

    def arm(rule: dict[str, Any]) -> None:
        proxy.add(FaultRule(**rule))
        refresh()

    def clear_all() -> None:
        proxy.clear()
        refresh()

    for i, (key, rule) in enumerate(FAULTS):
        button = QtWidgets.QPushButton(tr(key))
        button.clicked.connect(lambda _c=False, r=rule: arm(r))
        grid.addWidget(button, i // 2, i % 2)
    layout.addWidget(box)
    clear = QtWidgets.QPushButton(tr("queue.dock.clear"))
    clear.clicked.connect(clear_all)
    layout.addWidget(clear)
    layout.addWidget(armed)
    layout.addStretch(1)
    refresh()
    return w
