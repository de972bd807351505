import json
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.devices.base import Completion, Outcome
from kiosk.staff import lockout as lk
from kiosk.staff.auth import EndReason, LoginOutcome, Mode, SessionPolicy, StaffAuth
from kiosk.staff.directory import StaffDirectory, StaffFileError
from kiosk.staff.pins import PinFormatError, PinHash, hash_pin, verify_pin
from tests.staff_fixtures import (
    MANAGER_PIN,
    TECH_PIN,
    FakeCardVerifier,
    FakeClock,
    cheap_hash,
    staff_entries,
)


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    audit.configure(path)
    return path


def entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def make_auth(tmp_path: Path, clock: FakeClock, requires_card: bool = False) -> StaffAuth:
    return StaffAuth(StaffDirectory.from_entries(staff_entries()),
                     lk.LockoutStore(tmp_path / "data" / "lockout.json"),
                     lk.LockoutPolicy(max_attempts=5, base_s=60, max_s=600),
                     SessionPolicy(idle_timeout_s=300, max_session_s=1800),
                     technician_requires_card=requires_card, clock=clock, terminal_id="T-TEST")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(tmp_path: Path, clock: FakeClock, audit_file: Path) -> StaffAuth:
    return make_auth(tmp_path, clock)


# -- PIN hashes ----------------------------------------------------------------------------------
def test_pin_hash_is_salted_and_verifies() -> None:
    a, b = hash_pin("123456", log2_n=10), hash_pin("123456", log2_n=10)
    assert a != b and "123456" not in a
    assert verify_pin("123456", PinHash.parse(a))
    assert not verify_pin("123457", PinHash.parse(a))


def test_default_cost_is_slow_scrypt() -> None:
    parsed = PinHash.parse(hash_pin("123456"))
    assert (parsed.log2_n, parsed.r, parsed.p) == (15, 8, 1)
    assert len(parsed.salt) == 16


@pytest.mark.parametrize("bad", ["", "plain:123456", "scrypt$8$8$1$AAAAAAAAAAA=$AAAA",
                                 "scrypt$15$8$1$!!$??", "md5$x$y$z$a$b"])
def test_bad_hashes_are_refused(bad: str) -> None:
    with pytest.raises(PinFormatError):
        PinHash.parse(bad)


def test_staff_file_errors_name_the_entry(tmp_path: Path) -> None:
    f = tmp_path / "staff.toml"
    f.write_text('[[staff]]\nid = "M009"\nrole = "boss"\npin_hash = "x"\n', "utf-8")
    with pytest.raises(StaffFileError, match=r"M009.*role"):
        StaffDirectory.load(f)
    f.write_text('[[staff]]\nid = "M009"\nrole = "manager"\npin = "1234"\n', "utf-8")
    with pytest.raises(StaffFileError, match="unknown key"):
        StaffDirectory.load(f)
    with pytest.raises(StaffFileError, match="not found"):
        StaffDirectory.load(tmp_path / "missing.toml")


def test_demo_staff_file_loads_with_documented_pins() -> None:
    from kiosk.config import PROJECT_ROOT

    directory = StaffDirectory.load(PROJECT_ROOT / "config" / "staff-demo.toml")
    m001 = directory.get("M0001")
    assert m001 is not None and verify_pin("246810", m001.pin)
    t001 = directory.get("T0042")
    assert t001 is not None and verify_pin("975310", t001.pin)


# -- login ---------------------------------------------------------------------------------------
def test_manager_login_needs_card_then_pin(auth: StaffAuth, audit_file: Path) -> None:
    assert auth.login(Mode.ASSISTED, MANAGER_PIN, "M001").outcome is LoginOutcome.CARD_REQUIRED
    assert auth.present_card(FakeCardVerifier("CARD-M001")) is LoginOutcome.OK
    result = auth.login(Mode.ASSISTED, MANAGER_PIN)
    assert result.ok and result.session is not None
    assert result.session.staff_id == "M001" and result.session.mode is Mode.ASSISTED
    actions = [e["action"] for e in entries(audit_file)]
    assert actions == ["staff.login_failed", "staff.card_accepted", "staff.login"]
    assert MANAGER_PIN not in audit_file.read_text("utf-8")


def test_unknown_or_failed_card_is_rejected(auth: StaffAuth) -> None:
    assert auth.present_card(FakeCardVerifier("CARD-NOBODY")) is LoginOutcome.CARD_REJECTED
    assert auth.present_card(FakeCardVerifier(None)) is LoginOutcome.CARD_REJECTED
    assert auth.present_card(FakeCardVerifier("CARD-X001")) is LoginOutcome.CARD_REJECTED  # disabled
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).outcome is LoginOutcome.CARD_REQUIRED


def test_card_read_goes_stale(auth: StaffAuth, clock: FakeClock) -> None:
    auth.present_card(FakeCardVerifier("CARD-M001"))
    clock.advance(StaffAuth.CARD_VALID_S + 1)
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).outcome is LoginOutcome.CARD_REQUIRED


def test_technician_pin_only_and_role_separation(auth: StaffAuth) -> None:
    ok = auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")
    assert ok.ok and ok.session is not None and ok.session.mode is Mode.DIAGNOSTICS
    auth.logout()
    # A manager with the right PIN still cannot enter diagnostics, and vice versa.
    assert auth.login(Mode.DIAGNOSTICS, MANAGER_PIN, "M001").outcome is LoginOutcome.ROLE_NOT_ALLOWED
    auth.present_card(FakeCardVerifier("CARD-T001"))
    assert auth.login(Mode.ASSISTED, TECH_PIN).outcome is LoginOutcome.ROLE_NOT_ALLOWED
    assert auth.session is None


def test_technician_card_when_required_and_must_match(tmp_path: Path, clock: FakeClock,
                                                      audit_file: Path) -> None:
    auth = make_auth(tmp_path, clock, requires_card=True)
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").outcome is LoginOutcome.CARD_REQUIRED
    auth.present_card(FakeCardVerifier("CARD-M001"))
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").outcome is LoginOutcome.CARD_REJECTED
    auth.present_card(FakeCardVerifier("CARD-T001"))
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok


def test_unknown_id_looks_like_wrong_pin(auth: StaffAuth) -> None:
    r = auth.login(Mode.DIAGNOSTICS, "000000", "NOBODY")
    assert r.outcome is LoginOutcome.WRONG_PIN and r.attempts_left == 4


# -- lockout -------------------------------------------------------------------------------------
def wrong(auth: StaffAuth, n: int, staff_id: str = "T001") -> list:
    return [auth.login(Mode.DIAGNOSTICS, "000000", staff_id) for _ in range(n)]


def test_five_wrong_pins_lock_even_the_right_pin(auth: StaffAuth, audit_file: Path) -> None:
    results = wrong(auth, 5)
    assert [r.attempts_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].outcome is LoginOutcome.LOCKED and results[4].locked_for_s == 60
    refused = auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")
    assert refused.outcome is LoginOutcome.LOCKED and refused.error_code == "STF-002"
    assert "staff.lockout" in [e["action"] for e in entries(audit_file)]
    # Other staff are not affected.
    assert auth.present_card(FakeCardVerifier("CARD-M001")) is LoginOutcome.OK
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).ok


def test_backoff_grows_and_success_resets(auth: StaffAuth, clock: FakeClock) -> None:
    lengths = []
    for _ in range(5):
        lengths.append(wrong(auth, 5)[-1].locked_for_s)
        clock.advance(lengths[-1] + 1)
    assert lengths == [60, 120, 240, 480, 600]  # doubles, capped at max_s
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok
    auth.logout()
    assert wrong(auth, 5)[-1].locked_for_s == 60


def test_lockout_survives_restart(tmp_path: Path, clock: FakeClock, audit_file: Path) -> None:
    first = make_auth(tmp_path, clock)
    wrong(first, 5)
    clock.advance(30)
    second = make_auth(tmp_path, clock)  # a reboot: new objects, same data dir
    r = second.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")
    assert r.outcome is LoginOutcome.LOCKED and r.locked_for_s == pytest.approx(30)
    clock.advance(31)
    assert second.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok


def test_partial_failures_survive_restart(tmp_path: Path, clock: FakeClock, audit_file: Path) -> None:
    wrong(make_auth(tmp_path, clock), 3)
    assert wrong(make_auth(tmp_path, clock), 2)[-1].outcome is LoginOutcome.LOCKED


def test_corrupt_lockout_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "lockout.json"
    path.write_text("{not json", "utf-8")
    store = lk.LockoutStore(path)
    assert store.get("T001") == lk.LockoutRecord()
    assert path.with_suffix(".corrupt").exists()


def test_backoff_policy_is_pure() -> None:
    policy = lk.LockoutPolicy(max_attempts=2, base_s=10, max_s=100)
    r = lk.after_failure(lk.LockoutRecord(), 0.0, policy)
    assert r == lk.LockoutRecord(failures=1)
    r = lk.after_failure(r, 0.0, policy)
    assert r.lockouts == 1 and lk.locked_for(r, 5.0) == 5.0
    assert [policy.backoff_s(n) for n in range(1, 6)] == [10, 20, 40, 80, 100]


def test_technician_unlock(auth: StaffAuth) -> None:
    wrong(auth, 5, "M001")
    tech = auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").session
    assert tech is not None and auth.unlock("M001", tech)
    auth.present_card(FakeCardVerifier("CARD-M001"))
    assert auth.login(Mode.ASSISTED, MANAGER_PIN).ok


# -- expiry --------------------------------------------------------------------------------------
def test_inactivity_expiry(auth: StaffAuth, clock: FakeClock, audit_file: Path) -> None:
    seen: list = []
    auth.on_session_change(seen.append)
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok
    clock.advance(299)
    assert auth.touch()
    clock.advance(299)
    assert auth.session is not None
    clock.advance(2)
    assert auth.check_expiry() is EndReason.IDLE
    assert auth.session is None and seen[-1] is None
    last = entries(audit_file)[-1]
    assert last["action"] == "staff.session_expired" and last["fields"]["reason"] == "idle"


def test_absolute_expiry_even_when_active(auth: StaffAuth, clock: FakeClock, audit_file: Path) -> None:
    assert auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001").ok
    for _ in range(8):
        clock.advance(200)
        assert auth.touch()
    clock.advance(200)  # 1800 s: the absolute limit, though active a moment ago
    assert not auth.touch()
    assert entries(audit_file)[-1]["fields"]["reason"] == "max_age"


def test_logout_audited_and_chain_intact(auth: StaffAuth, audit_file: Path) -> None:
    wrong(auth, 2)
    auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")
    auth.logout()
    assert [e["action"] for e in entries(audit_file)][-2:] == ["staff.login", "staff.logout"]
    assert audit.verify(audit_file).ok


def test_card_result_from_worker_failure_is_audited(auth: StaffAuth, audit_file: Path) -> None:
    outcome = auth.card_result(Completion.failure(Outcome.TIMEOUT, "PCS-020"))
    assert outcome is LoginOutcome.CARD_REJECTED
    assert entries(audit_file)[-1]["fields"]["error_code"] == "PCS-020"


def test_cheap_hash_helper_is_not_the_pin() -> None:
    assert MANAGER_PIN not in cheap_hash(MANAGER_PIN)


def test_smartcard_adapter_maps_identity_and_failures(auth: StaffAuth) -> None:
    from dataclasses import dataclass

    from kiosk.staff.card_adapter import SmartCardStaffVerifier

    @dataclass
    class Identity:
        staff_id: str
        role: str

    class Reader:
        def __init__(self, result: Completion) -> None:
            self.result = result

        def authenticate_staff_card(self, token: object = None) -> Completion:
            return self.result

    good = SmartCardStaffVerifier(Reader(Completion.success(Identity("CARD-M001", "lobby_manager"))))
    assert good.verify_staff_card().value == "CARD-M001"
    assert auth.present_card(good) is LoginOutcome.OK
    bad = SmartCardStaffVerifier(Reader(Completion.failure(Outcome.USER_ERROR, "PCS-061")))
    assert auth.present_card(bad) is LoginOutcome.CARD_REJECTED


def test_remaining_time_is_the_nearer_limit(auth: StaffAuth, clock: FakeClock) -> None:
    assert auth.remaining_s() == 0
    auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")
    assert auth.remaining_s() == 300
    clock.advance(100)
    assert auth.remaining_s() == 200
    for _ in range(8):
        clock.advance(190)
        assert auth.touch()
    assert auth.remaining_s() == 1800 - 1620  # the absolute limit is nearer than the idle one


def test_slow_hash_runs_outside_the_lock(auth: StaffAuth, monkeypatch: pytest.MonkeyPatch) -> None:
    """A login on a worker thread must not make the UI's expiry timer wait for scrypt."""
    import threading

    from kiosk.staff import auth as auth_module

    entered, release = threading.Event(), threading.Event()
    real_verify = auth_module.verify_pin

    def slow_verify(pin: str, stored: PinHash) -> bool:
        entered.set()
        release.wait(5)
        return real_verify(pin, stored)

    monkeypatch.setattr(auth_module, "verify_pin", slow_verify)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(auth.login(Mode.DIAGNOSTICS, TECH_PIN, "T001")))
    worker.start()
    assert entered.wait(5)
    done = threading.Event()
    threading.Thread(target=lambda: (auth.check_expiry(), auth.remaining_s(), done.set())).start()
    assert done.wait(1.0), "expiry check blocked behind the PIN hash"
    release.set()
    worker.join(5)
    assert results[0].ok
