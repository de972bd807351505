import json
import socket
import ssl
import sys
import threading
from pathlib import Path

import pytest

from kiosk import audit
from kiosk.config import KioskConfig, load_config
from kiosk.diag import checks, platform_check, system_checks
from kiosk.diag.checks import Check, CheckContext, CheckResult, DiskUsage, passed
from kiosk.diag.cli import main
from tests.diag_helpers import closed_port, garbage, http_reply, loopback_server, make_ca_and_cert, silent

MB = 1024 * 1024


def config(tmp: Path, **overrides: object) -> KioskConfig:
    env = {"KIOSK__PATHS__DATA_DIR": json.dumps(str(tmp / "data")),
           "KIOSK__PATHS__LOG_DIR": json.dumps(str(tmp / "logs")),
           "KIOSK__PATHS__TEMP_DIR": json.dumps(str(tmp / "tmp"))}
    for key, value in overrides.items():
        env["KIOSK__" + key.upper()] = json.dumps(value)
    return load_config("demo", env=env)


def run(check_id: str, ctx: CheckContext) -> CheckResult:
    check = next(c for c in checks.discover() if c.id == check_id)
    return checks.run_check(check, ctx)


# -- system checks -------------------------------------------------------------------------------
def test_config_check_pass_and_fail(tmp_path: Path) -> None:
    assert run("config", CheckContext(config(tmp_path))).ok
    ctx = checks.context_from_config(lambda: config(tmp_path, ui__width=12))
    result = run("config", ctx)
    assert not result.ok and result.error_code == "CFG-090" and "ui.width" in result.detail
    # Checks that need the configuration fail clearly instead of crashing.
    assert run("disk_data", ctx).error_code == "CFG-090"


def test_staff_file_check(tmp_path: Path) -> None:
    assert "2" in run("staff_file", CheckContext(config(tmp_path))).summary
    bad = tmp_path / "staff.toml"
    bad.write_text('[[staff]]\nid = "M1"\nrole = "manager"\n', "utf-8")
    result = run("staff_file", CheckContext(config(tmp_path, staff__staff_file=str(bad))))
    assert not result.ok and result.error_code == "STF-008" and "pin_hash" in result.detail


def test_disk_space_full_and_fine(tmp_path: Path) -> None:
    cfg = config(tmp_path, diag__min_free_mb=500)
    full = CheckContext(cfg, disk_usage=lambda p: DiskUsage(10_000 * MB, 9_990 * MB, 10 * MB))
    for check_id in ("disk_data", "disk_log"):
        result = run(check_id, full)
        assert not result.ok and result.error_code == "CFG-091"
        assert result.data["free_mb"] == 10 and "500" in result.summary
    fine = CheckContext(cfg, disk_usage=lambda p: DiskUsage(10_000 * MB, 1_000 * MB, 9_000 * MB))
    assert run("disk_data", fine).ok
    real = run("disk_data", CheckContext(cfg))  # the real file system (data dir not created yet)
    assert real.data["total_mb"] > 0


def test_disk_usage_error_is_reported(tmp_path: Path) -> None:
    def broken(p: Path) -> DiskUsage:
        raise OSError(5, "Input/output error")

    result = run("disk_log", CheckContext(config(tmp_path), disk_usage=broken))
    assert not result.ok and "Input/output error" in result.detail


def test_log_dir_writable(tmp_path: Path) -> None:
    assert run("log_writable", CheckContext(config(tmp_path))).ok
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = run("log_writable", CheckContext(config(tmp_path, paths__log_dir=str(blocker / "logs"))))
    assert not result.ok and result.error_code == "CFG-092"


def test_audit_chain_check_detects_edit(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    path = cfg.path(cfg.paths.log_dir) / audit.AUDIT_FILE_NAME
    audit.configure(path)
    for i in range(3):
        audit.audit("staff.login", actor="M001", n=i)
    assert run("audit_chain", CheckContext(cfg)).data["entries"] == 3
    path.write_text(path.read_text("utf-8").replace("M001", "M002", 1), "utf-8")
    result = run("audit_chain", CheckContext(cfg))
    assert not result.ok and result.error_code == "STF-090" and result.data["first_bad_line"] == 1


# -- platform --------------------------------------------------------------------------------------
def platform_ctx(tmp_path: Path, url: str, ssl_context: ssl.SSLContext | None = None,
                 **overrides: object) -> CheckContext:
    return CheckContext(config(tmp_path, platform__base_url=url, **overrides), ssl_context=ssl_context)


def test_platform_reachable_over_http(tmp_path: Path) -> None:
    with loopback_server(http_reply(200)) as port:
        result = run("platform", platform_ctx(tmp_path, f"http://127.0.0.1:{port}"))
    assert result.ok, result
    assert result.data["http_status"] == 200 and result.data["connect_ms"] >= 0


def test_platform_refused_fails_with_clear_message(tmp_path: Path) -> None:
    port = closed_port()
    result = run("platform", platform_ctx(tmp_path, f"http://127.0.0.1:{port}"))
    assert not result.ok and result.error_code == "NET-090"
    assert f"127.0.0.1:{port}" in result.summary and "refused" in result.detail


@pytest.mark.parametrize(("handler", "code"), [(http_reply(503), "NET-095"), (garbage, "NET-095"),
                                               (silent, "NET-092")])
def test_platform_answering_badly(tmp_path: Path, handler: object, code: str) -> None:
    with loopback_server(handler) as port:  # type: ignore[arg-type]
        result = run("platform", platform_ctx(tmp_path, f"http://127.0.0.1:{port}",
                                              platform__read_timeout_s=0.5))
    assert not result.ok and result.error_code == code


def test_platform_bad_url_and_dns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("platform", platform_ctx(tmp_path, "ftp://x")).error_code == "NET-096"

    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    result = run("platform", platform_ctx(tmp_path, "https://gov-platform.example.invalid"))
    assert result.error_code == "NET-091" and "gov-platform.example.invalid" in result.summary


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def test_https_with_certificate_expiry(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_cert(tmp_path, days_valid=200)
    with loopback_server(http_reply(200), tls=(cert, key)) as port:
        result = run("platform", platform_ctx(tmp_path, f"https://localhost:{port}", trusting(ca)))
    assert result.ok, result
    assert 198 <= result.data["cert_days_left"] <= 200 and "tls_ms" in result.data


def test_https_certificate_expiring_soon(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_cert(tmp_path, days_valid=5)
    with loopback_server(http_reply(200), tls=(cert, key)) as port:
        result = run("platform", platform_ctx(tmp_path, f"https://localhost:{port}", trusting(ca),
                                              diag__cert_warn_days=30))
    assert not result.ok and result.error_code == "NET-094" and result.data["cert_days_left"] <= 5


def test_https_untrusted_or_wrong_host_fails_verification(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_cert(tmp_path, days_valid=200, hostname="other.example")
    with loopback_server(http_reply(200), tls=(cert, key)) as port:
        untrusted = run("platform", platform_ctx(tmp_path, f"https://127.0.0.1:{port}"))
        # A context handed in with verification off is switched back on.
        lax = trusting(ca)
        lax.check_hostname = False
        lax.verify_mode = ssl.CERT_NONE
        wrong_host = run("platform", platform_ctx(tmp_path, f"https://localhost:{port}", lax))
    assert untrusted.error_code == "NET-093" and "certificate" in untrusted.detail
    assert wrong_host.error_code == "NET-093" and "localhost" in wrong_host.detail


# -- registry ------------------------------------------------------------------------------------
def test_hung_check_times_out_and_crash_is_caught(tmp_path: Path) -> None:
    release = threading.Event()

    def hang(ctx: CheckContext) -> CheckResult:
        release.wait(5)
        return passed("late")

    def crash(ctx: CheckContext) -> CheckResult:
        raise RuntimeError("driver exploded")

    ctx = CheckContext(config(tmp_path))
    runs = checks.run_all(ctx, [Check("hang", "diag.check_config", hang, timeout_s=0.2),
                                Check("crash", "diag.check_config", crash)])
    release.set()
    assert runs[0].result.error_code == "CFG-093" and not runs[0].result.ok
    assert runs[1].result.error_code == "CFG-094" and "driver exploded" in runs[1].result.detail


def test_device_packages_register_checks_by_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fakekiosk"
    (root / "printer").mkdir(parents=True)
    (root / "broken").mkdir()
    (root / "nochecks").mkdir()
    for d in (root, root / "printer", root / "broken", root / "nochecks"):
        (d / "__init__.py").write_text("")
    (root / "printer" / "diag_checks.py").write_text(
        "from kiosk.diag.checks import Check, passed\n"
        "CHECKS = [Check('receipt_test_print', 'diag.check_config', lambda ctx: passed('printed'),"
        " group='device')]\n")
    (root / "broken" / "diag_checks.py").write_text("raise ImportError('missing driver lib')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    pkg = importlib.import_module("fakekiosk")
    found = {c.id: c for c in checks.discover([pkg])}
    assert "receipt_test_print" in found and "config" in found and "platform" in found
    broken = found["load:fakekiosk.broken.diag_checks"]
    result = checks.run_check(broken, CheckContext(None))
    assert not result.ok and "missing driver lib" in result.detail
    for name in [m for m in sys.modules if m.startswith("fakekiosk")]:
        monkeypatch.delitem(sys.modules, name)


def test_core_checks_are_all_registered() -> None:
    ids = [c.id for c in checks.discover()]
    assert ids[:7] == ["config", "staff_file", "disk_data", "disk_log", "log_writable", "audit_chain",
                       "platform"]
    assert len(system_checks.CHECKS) + len(platform_check.CHECKS) == 7


# -- CLI -------------------------------------------------------------------------------------------
def test_selftest_exit_codes(tmp_data_env: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK__DEVICES__A4__MODE", '"disabled"')  # cupsd is tested in its own file
    with loopback_server(http_reply(200)) as port:
        monkeypatch.setenv("KIOSK__PLATFORM__BASE_URL", f'"http://127.0.0.1:{port}"')
        assert main(["selftest"]) == 0
        n = len([c for c in checks.discover() if not c.on_demand])
        assert f"{n}/{n} passed" in capsys.readouterr().out
    monkeypatch.setenv("KIOSK__PLATFORM__BASE_URL", f'"http://127.0.0.1:{closed_port()}"')
    assert main(["selftest", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [c["id"] for c in report["checks"] if not c["ok"]] == ["platform"]
    assert main(["selftest", "--only", "system"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("KIOSK__UI__WIDTH", "3")
    from kiosk.i18n import CATALOGUE

    try:
        assert main(["selftest", "--json", "--lang", "en_US"]) == 1
    finally:
        CATALOGUE.set_language("zh_CN")
    report = json.loads(capsys.readouterr().out)
    config_check = report["checks"][0]
    assert config_check["error_code"] == "CFG-090" and config_check["summary"] == "Configuration is invalid"


def test_selftest_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--list"]) == 0
    assert "platform" in capsys.readouterr().out


def test_checks_sharing_a_resource_never_overlap(tmp_path: Path) -> None:
    active: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    lock = threading.Lock()

    def make(name: str):  # type: ignore[no-untyped-def]
        def run_it(ctx: CheckContext) -> CheckResult:
            with lock:
                active.append(name)
                if len([a for a in active if a.startswith("dev")]) > 1:
                    overlaps.append(tuple(active))
            threading.Event().wait(0.05)
            with lock:
                active.remove(name)
            return passed(name)
        return run_it

    group = [Check(f"dev{i}", "diag.check_config", make(f"dev{i}"), resource="reader") for i in range(3)]
    other = Check("other", "diag.check_config", make("other"))
    runs = checks.run_all(CheckContext(config(tmp_path)), [*group, other])
    assert [r.check.id for r in runs] == ["dev0", "dev1", "dev2", "other"]
    assert all(r.result.ok for r in runs) and overlaps == []
