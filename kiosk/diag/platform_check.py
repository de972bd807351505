"""Platform reachability: DNS, TCP connect latency, TLS handshake and certificate expiry, HTTP.

Uses ``socket``/``ssl``/``http.client`` directly so each stage is timed and each failure gets its
own error code. TLS verification is always on (``ssl.create_default_context``: CERT_REQUIRED and
host-name checking); a private CA can be given with ``platform.ca_file`` when the platform
package defines it, or by handing an SSLContext in the check context.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from kiosk.diag import codes
from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.i18n import tr


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _ssl_context(ctx: CheckContext) -> ssl.SSLContext:
    if ctx.ssl_context is not None:
        context: ssl.SSLContext = ctx.ssl_context
    else:
        cfg = ctx.require_config()
        ca_file = getattr(cfg.platform, "ca_file", None)
        context = ssl.create_default_context(cafile=str(cfg.path(ca_file)) if ca_file else None)
    # Whatever was handed in, verification stays on.
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def check_platform(ctx: CheckContext) -> CheckResult:
    cfg = ctx.require_config()
    url = cfg.platform.base_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return failed(codes.NET_BAD_URL, tr("diag.sum_net_bad_url"), url)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return failed(codes.NET_BAD_URL, tr("diag.sum_net_bad_url"), url)
    data: dict[str, Any] = {"url": url}
    connect_timeout = cfg.platform.connect_timeout_s
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return failed(codes.NET_DNS, tr("diag.sum_net_dns", host=host), str(e), **data)
    start = time.perf_counter()
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
    except TimeoutError:
        return failed(codes.NET_TIMEOUT, tr("diag.sum_net_timeout", host=host, port=port),
                      f"no answer within {connect_timeout:g} s", **data)
    except OSError as e:
        return failed(codes.NET_UNREACHABLE, tr("diag.sum_net_unreachable", host=host, port=port),
                      f"{type(e).__name__}: {e.strerror or e}", **data)
    data["connect_ms"] = _ms(start)
    try:
        if parts.scheme == "https":
            start = time.perf_counter()
            try:
                sock = _ssl_context(ctx).wrap_socket(sock, server_hostname=host)
            except ssl.SSLCertVerificationError as e:
                return failed(codes.NET_TLS, tr("diag.sum_net_tls"), e.verify_message or str(e), **data)
            except (ssl.SSLError, OSError) as e:
                return failed(codes.NET_TLS, tr("diag.sum_net_tls"), f"{type(e).__name__}: {e}", **data)
            data["tls_ms"] = _ms(start)
            assert isinstance(sock, ssl.SSLSocket)
            cert = sock.getpeercert() or {}
            not_after = cert.get("notAfter")
            if isinstance(not_after, str):
                days = (ssl.cert_time_to_seconds(not_after) - time.time()) / 86400
                data["cert_not_after"] = not_after
                data["cert_days_left"] = int(days)
                if days < cfg.diag.cert_warn_days:
                    return failed(codes.NET_CERT_EXPIRING, tr("diag.sum_net_cert_expiring", days=int(days)),
                                  f"notAfter {not_after}", **data)
        sock.settimeout(cfg.platform.read_timeout_s)
        conn = http.client.HTTPConnection(host, port, timeout=cfg.platform.read_timeout_s)
        conn.sock = sock
        start = time.perf_counter()
        try:
            conn.request("GET", cfg.diag.platform_health_path, headers={"User-Agent": "kiosk-diag"})
            response = conn.getresponse()
            response.read(65536)
        except TimeoutError:
            return failed(codes.NET_TIMEOUT, tr("diag.sum_net_slow"),
                          f"no HTTP answer within {cfg.platform.read_timeout_s:g} s", **data)
        except (http.client.HTTPException, OSError) as e:
            return failed(codes.NET_HTTP, tr("diag.sum_net_nonsense"), f"{type(e).__name__}: {e}", **data)
        data["http_ms"] = _ms(start)
        data["http_status"] = response.status
        if response.status >= 500:
            return failed(codes.NET_HTTP, tr("diag.sum_net_http", status=response.status), "", **data)
    finally:
        sock.close()
    latency = data["connect_ms"] + data.get("tls_ms", 0.0)
    summary = tr("diag.sum_net_ok", ms=round(latency))
    if "cert_days_left" in data:
        summary += tr("diag.sum_net_cert_days", days=data["cert_days_left"])
    return passed(summary, url, **data)


CHECKS = [Check("platform", "diag.check_platform", check_platform, group="network")]
