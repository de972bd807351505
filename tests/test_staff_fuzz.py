"""Property tests for everything staff/diag reads from outside: hashes and entries in the staff
file, the lockout and service-state files, log lines on re-mask."""

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.diag.logview import remask_line
from kiosk.staff.assisted import ServiceStateStore
from kiosk.staff.directory import StaffDirectory, StaffFileError
from kiosk.staff.lockout import LockoutRecord, LockoutStore
from kiosk.staff.pins import PinFormatError, PinHash

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=12)


@SETTINGS
@given(st.text() | st.builds(lambda parts: "$".join(parts), st.lists(st.text(max_size=30), max_size=8)))
def test_pin_hash_parse_only_raises_format_error(text: str) -> None:
    try:
        parsed = PinHash.parse(text)
    except PinFormatError:
        return
    assert parsed.log2_n >= 10 and len(parsed.salt) >= 8


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(["id", "role", "pin_hash", "card_id", "enabled", "x"]),
                                json_values, max_size=6), max_size=4))
def test_staff_entries_only_raise_staff_file_error(entries: list) -> None:
    try:
        StaffDirectory.from_entries(entries)
    except StaffFileError:
        pass


@SETTINGS
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_lockout_file_of_any_content_loads(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "lockout.json"
    path.write_bytes(content)
    store = LockoutStore(path)
    assert isinstance(store.get("M001"), LockoutRecord)


@SETTINGS
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_service_state_file_of_any_content_loads(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "service.json"
    path.write_bytes(content)
    ServiceStateStore(path)


@SETTINGS
@given(st.text(), st.sampled_from(["11010519491231002X", "13912345678", "6222021234567890123"]), json_values)
def test_remask_never_raises_and_removes_numbers(prefix: str, secret: str, extra: object) -> None:
    for line in (f"{prefix} {secret} ", json.dumps({"msg": f"x {secret} y", "fields": {"note": secret},
                                                    "other": extra})):
        out = remask_line(line)
        assert secret not in out
