from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import audit
from kiosk.staff import lockout as lk
from kiosk.staff.assisted import AssistedService, ServiceStateStore
from kiosk.staff.auth import Mode, StaffAuth
from kiosk.staff.directory import StaffDirectory
from kiosk.staff.queue_adapter import OfflineQueueAdapter
from tests.staff_fixtures import MANAGER_PIN, FakeCardVerifier, FakeClock, staff_entries


@dataclass
class QueueLike:
    """The shape of kiosk.offline's OfflineQueue inspection API (rows already masked there)."""

    rows: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": "u-1", "state": "queued", "attempts": 0, "display": {"name": "张*", "id_number": "1101**********002X",
                                                                   "item_title": "社保缴费证明"},
         "created_at": "2026-11-22T01:00:00+00:00", "case_number": None, "last_error": None},
        {"id": "u-2", "state": "dead", "attempts": 5, "last_error_code": "NET-040",
         "last_error": "422 field phone: 请输入11位手机号码 13912345678",
         "display": {"name": "李**", "id_number": "1304**********432X", "item_title": "社保卡挂失"}},
    ])
    redriven: list[str] = field(default_factory=list)

    def items(self, states: Any = None, limit: int = 200) -> list[dict[str, Any]]:
        return [r for r in self.rows if states is None or r["state"] in states][:limit]

    def redrive(self, item_id: str) -> bool:
        ok = any(r["id"] == item_id and r["state"] == "dead" for r in self.rows)
        if ok:
            self.redriven.append(item_id)
        return ok


def test_adapter_lists_masks_and_redrives(tmp_path: Path) -> None:
    audit.configure(tmp_path / "audit.jsonl")
    auth = StaffAuth(StaffDirectory.from_entries(staff_entries()), lk.LockoutStore(tmp_path / "lk.json"),
                     clock=FakeClock())
    queue = QueueLike()
    svc = AssistedService(auth, ServiceStateStore(tmp_path / "s.json"), queue=OfflineQueueAdapter(queue))
    auth.present_card(FakeCardVerifier("CARD-M001"))
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).ok
    pending = svc.view_queue().data
    assert [(e.application_id, e.state, e.item_name) for e in pending] == [("u-1", "pending", "社保缴费证明")]
    dead = svc.view_dead_letters().data
    assert dead[0].state == "rejected" and dead[0].applicant == "李**"
    assert "13912345678" not in dead[0].last_error and dead[0].last_error.startswith("NET-040")
    assert svc.redrive("u-2", "已更正手机号码").ok and queue.redriven == ["u-2"]
    r = svc.redrive("u-1", "不在失败列表中")
    assert not r.ok and r.error_code == "STF-010"
