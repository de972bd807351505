import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.devices.base import Completion, Outcome
from kiosk.staff import lockout as lk
from kiosk.staff.assisted import (
    Action,
    AssistedService,
    MaskedQueueEntry,
    QueueEntry,
    ServiceState,
    ServiceStateStore,
)
from kiosk.staff.auth import Mode, SessionPolicy, StaffAuth
from kiosk.staff.directory import StaffDirectory
from tests.staff_fixtures import MANAGER_PIN, TECH_PIN, FakeCardVerifier, FakeClock, staff_entries

ID_NUMBER = "11010519491231002X"
NAME = "张秀英"


@dataclass
class FakeCitizen:
    session_ref: str = "CS-0001"
    extended: list[int] = field(default_factory=list)
    manual: list[tuple[str, str]] = field(default_factory=list)
    assists: list[tuple[str, str, str | None]] = field(default_factory=list)

    def extend_idle_timeout(self, seconds: int) -> None:
        self.extended.append(seconds)

    def accept_manual_identity(self, staff_id: str, reason: str) -> None:
        self.manual.append((staff_id, reason))

    def record_assist(self, staff_id: str, action: str, reason: str | None) -> None:
        self.assists.append((staff_id, action, reason))


@dataclass
class FakeQueue:
    redriven: list[tuple[str, str, str]] = field(default_factory=list)
    fail: bool = False

    def pending(self) -> list[QueueEntry]:
        return [QueueEntry("app-1", "SH2026-0001", "社会保险关系转移", "pending", 2, "timeout",
                           NAME, ID_NUMBER, "2026-11-22T09:00")]

    def dead_letters(self) -> list[QueueEntry]:
        return [QueueEntry("app-2", "SH2026-0002", "社保卡挂失", "rejected", 5,
                           f"platform rejected field id_number {ID_NUMBER}", NAME, ID_NUMBER)]

    def redrive(self, application_id: str, staff_id: str, reason: str) -> Completion[None]:
        if self.fail:
            return Completion.failure(Outcome.NOT_READY, "QUE-030")
        self.redriven.append((application_id, staff_id, reason))
        return Completion.success(None)


@dataclass
class FakeReceipts:
    printed: list[tuple[str, str]] = field(default_factory=list)
    paper_out: bool = False

    def recent(self) -> list[MaskedQueueEntry]:
        return [MaskedQueueEntry("", "SH2026-0001", "社保卡挂失", "delivered", 0, "", "张**",
                                 "1101**********002X", "2026-11-22 09:00")]

    def reprint(self, reference: str, staff_id: str) -> Completion[None]:
        if self.paper_out:
            return Completion.failure(Outcome.NOT_READY, "PRN-011", "printer.status.PRN_011")
        self.printed.append((reference, staff_id))
        return Completion.success(None)


@dataclass
class World:
    auth: StaffAuth
    svc: AssistedService
    citizen: FakeCitizen
    queue: FakeQueue
    receipts: FakeReceipts
    clock: FakeClock
    audit_file: Path

    def entries(self) -> list[dict]:
        return [json.loads(x) for x in self.audit_file.read_text("utf-8").splitlines()]

    def last(self) -> dict:
        return self.entries()[-1]

    def manager(self) -> None:
        self.auth.present_card(FakeCardVerifier("CARD-M001"))
        assert self.auth.login(Mode.ASSISTED, MANAGER_PIN).ok

    def technician(self) -> None:
        assert self.auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok


@pytest.fixture
def world(tmp_path: Path) -> World:
    audit_file = tmp_path / "audit.jsonl"
    audit.configure(audit_file)
    clock = FakeClock()
    auth = StaffAuth(StaffDirectory.from_entries(staff_entries()), lk.LockoutStore(tmp_path / "lk.json"),
                     session_policy=SessionPolicy(300, 1800), clock=clock)
    citizen, queue, receipts = FakeCitizen(), FakeQueue(), FakeReceipts()
    svc = AssistedService(auth, ServiceStateStore(tmp_path / "service.json"), citizen=lambda: citizen,
                          queue=queue, receipts=receipts, max_extension_s=600)
    return World(auth, svc, citizen, queue, receipts, clock, audit_file)


def test_nothing_without_a_session(world: World) -> None:
    for result in (world.svc.extend_timeout(60), world.svc.pause("维修"), world.svc.view_queue(),
                   world.svc.redrive("app-2", "已更正"), world.svc.accept_manual_identity("人脸失败")):
        assert not result.ok and result.error_code == "STF-009"
    assert world.citizen.extended == [] and world.queue.redriven == []
    assert {e["action"] for e in world.entries()} == {"assist.denied"}


def test_expired_session_cannot_act(world: World) -> None:
    world.manager()
    world.clock.advance(301)
    assert world.svc.extend_timeout(60).error_code == "STF-009"
    assert [e["action"] for e in world.entries()][-2:] == ["staff.session_expired", "assist.denied"]


def test_extend_timeout(world: World) -> None:
    world.manager()
    r = world.svc.extend_timeout(120)
    assert r.ok and world.citizen.extended == [120]
    assert world.citizen.assists == [("M001", "extend_timeout", None)]
    last = world.last()
    assert last["action"] == "assist.extend_timeout" and last["actor"] == "M001"
    assert last["fields"]["seconds"] == 120 and last["fields"]["citizen_session"] == "CS-0001"
    assert not world.svc.extend_timeout(10_000).ok  # beyond the configured maximum
    assert world.citizen.extended == [120]


def test_action_touches_the_session(world: World) -> None:
    world.manager()
    world.clock.advance(250)
    assert world.svc.extend_timeout(60).ok
    world.clock.advance(250)
    assert world.auth.session is not None  # the action reset the idle timer


def test_manual_identity_needs_reason_and_is_recorded(world: World) -> None:
    world.manager()
    r = world.svc.accept_manual_identity("  ")
    assert not r.ok and r.error_code == "STF-007" and world.citizen.manual == []
    assert world.last()["fields"]["why"] == "reason_required"
    r = world.svc.accept_manual_identity("人脸识别多次失败，已人工核验身份证原件")
    assert r.ok
    assert world.citizen.manual == [("M001", "人脸识别多次失败，已人工核验身份证原件")]
    assert world.last()["action"] == "assist.manual_identity"
    assert world.last()["fields"]["reason"].startswith("人脸识别")


def test_technician_may_not_do_manager_actions(world: World) -> None:
    world.technician()
    for result in (world.svc.accept_manual_identity("测试原因"), world.svc.extend_timeout(60),
                   world.svc.reprint_receipt("SH2026-0001", "卡纸"), world.svc.redrive("app-2", "已更正")):
        assert not result.ok and result.error_code == "STF-011"
    assert world.last()["fields"]["why"] == "role"
    assert world.svc.view_queue().ok  # but may look at the queue and pause the kiosk
    assert world.svc.pause("更换打印纸").ok


def test_reprint_receipt(world: World) -> None:
    world.manager()
    assert world.svc.reprint_receipt("SH2026-0001", "").error_code == "STF-007"
    r = world.svc.reprint_receipt("SH2026-0001", "凭条卡纸")
    assert r.ok and world.receipts.printed == [("SH2026-0001", "M001")]
    assert world.last()["fields"]["reference"] == "SH2026-0001"
    world.receipts.paper_out = True
    r = world.svc.reprint_receipt("SH2026-0001", "凭条卡纸")
    # The printer's own code reaches the manager (not a generic STF-010), and the audit.
    assert not r.ok and r.error_code == "PRN-011" and r.message_key == "printer.status.PRN_011"
    assert world.last()["fields"]["ok"] is False and world.last()["fields"]["error_code"] == "PRN-011"


def test_view_receipts_lists_masked_rows_for_managers_only(world: World) -> None:
    world.manager()
    r = world.svc.view_receipts()
    assert r.ok and [e.reference for e in r.data] == ["SH2026-0001"]
    assert world.last()["action"] == "assist.view_receipts" and world.last()["fields"]["count"] == 1
    world.auth.logout()
    world.technician()
    assert world.svc.view_receipts().error_code == "STF-011"


def test_view_queue_and_dead_letters_are_masked(world: World) -> None:
    world.manager()
    pending = world.svc.view_queue()
    dead = world.svc.view_dead_letters()
    assert pending.ok and dead.ok
    text = json.dumps([e.as_dict() for e in pending.data + dead.data], ensure_ascii=False)
    assert ID_NUMBER not in text and NAME not in text
    assert pending.data[0].applicant == "张**" and pending.data[0].id_number == "1101**********002X"
    assert dead.data[0].state == "rejected"
    assert world.last()["action"] == "assist.view_dead_letters" and world.last()["fields"]["count"] == 1
    assert ID_NUMBER not in world.audit_file.read_text("utf-8")


def test_redrive_after_correction(world: World) -> None:
    world.manager()
    assert world.svc.redrive("app-2", "").error_code == "STF-007"
    assert world.queue.redriven == []
    assert world.svc.redrive("app-2", "与群众核对后更正了联系电话").ok
    assert world.queue.redriven == [("app-2", "M001", "与群众核对后更正了联系电话")]
    assert world.last()["fields"]["application"] == "app-2"
    world.queue.fail = True
    r = world.svc.redrive("app-2", "再次提交")
    assert not r.ok and world.last()["fields"]["error_code"] == "QUE-030"


def test_pause_and_resume_persist(world: World, tmp_path: Path) -> None:
    seen: list[ServiceState] = []
    world.svc.service_state.on_change(seen.append)
    world.manager()
    assert world.svc.pause("").error_code == "STF-007"
    assert world.svc.pause("网络故障，暂停服务").ok
    assert ServiceStateStore(tmp_path / "service.json").state == ServiceState(True, "网络故障，暂停服务", "M001")
    assert world.svc.resume().ok
    assert world.last()["fields"]["was_paused"] is True and world.last()["fields"]["paused_by"] == "M001"
    assert not ServiceStateStore(tmp_path / "service.json").state.paused
    assert [s.paused for s in seen] == [True, False]


def test_not_wired_ports_fail_cleanly(tmp_path: Path, world: World) -> None:
    svc = AssistedService(world.auth, ServiceStateStore(tmp_path / "s2.json"))
    world.manager()
    assert svc.view_queue().error_code == "STF-010"
    assert svc.reprint_receipt("X", "原因原因").error_code == "STF-010"
    assert svc.view_receipts().error_code == "STF-010"
    assert svc.extend_timeout(60).error_code == "STF-010"  # no citizen session


def test_every_action_is_audited_and_tampering_is_detected(world: World) -> None:
    world.manager()
    world.svc.extend_timeout(60)
    world.svc.accept_manual_identity("人工核验")
    world.svc.view_receipts()
    world.svc.reprint_receipt("SH2026-0001", "卡纸")
    world.svc.view_queue()
    world.svc.view_dead_letters()
    world.svc.redrive("app-2", "已更正")
    world.svc.pause("维护")
    world.svc.resume()
    world.auth.logout()
    actions = [e["action"] for e in world.entries()]
    for a in Action:
        assert f"assist.{a}" in actions
    assert audit.verify(world.audit_file).ok
    # A manager edits their reprint reason after the fact: the chain breaks at that line.
    lines = world.audit_file.read_text("utf-8").splitlines()
    idx = next(i for i, line in enumerate(lines) if '"assist.reprint_receipt"' in line)
    lines[idx] = lines[idx].replace("卡纸", "群众要求")
    world.audit_file.write_text("\n".join(lines) + "\n", "utf-8")
    result = audit.verify(world.audit_file)
    assert not result.ok and result.first_bad_line == idx + 1
