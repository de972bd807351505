"""Error codes of the diagnostics checks (system, configuration, network)."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

# Numbers 090+ so they cannot clash with the platform/queue packages' own NET/QUE/CFG codes.
CONFIG_INVALID = "CFG-090"
DISK_LOW = "CFG-091"
LOG_NOT_WRITABLE = "CFG-092"
AUDIT_BROKEN = "STF-090"
CHECK_TIMEOUT = "CFG-093"
CHECK_CRASHED = "CFG-094"
NET_UNREACHABLE = "NET-090"
NET_DNS = "NET-091"
NET_TIMEOUT = "NET-092"
NET_TLS = "NET-093"
NET_CERT_EXPIRING = "NET-094"
NET_HTTP = "NET-095"
NET_BAD_URL = "NET-096"

register(
    ErrorCode(CONFIG_INVALID, "配置文件有误", "Configuration invalid",
              "按提示修改配置文件后运行 kiosk-diag config check", "Fix the file as reported, then run kiosk-diag config check"),
    ErrorCode(DISK_LOW, "磁盘剩余空间不足", "Disk space low",
              "导出并清理旧日志，或检查队列是否积压", "Export and clear old logs, or check for a queue backlog"),
    ErrorCode(LOG_NOT_WRITABLE, "日志目录无法写入", "Log directory not writable",
              "检查目录权限和磁盘状态", "Check directory permissions and the disk"),
    ErrorCode(AUDIT_BROKEN, "审计日志被改动或损坏", "Audit log tampered or damaged",
              "保留现场，立即上报安全负责人；不要修改文件", "Preserve the file and report to security at once; do not edit it"),
    ErrorCode(CHECK_TIMEOUT, "自检项超时", "Self-test check timed out",
              "重试；仍超时请查看对应设备或网络", "Retry; if it still times out, check that device or the network"),
    ErrorCode(CHECK_CRASHED, "自检项内部错误", "Self-test check failed internally",
              "导出诊断包并联系技术支持", "Export a diagnostic bundle and contact support"),
    ErrorCode(NET_UNREACHABLE, "无法连接政务平台", "Platform not reachable",
              "检查网线、网点网络和防火墙", "Check the cable, branch network and firewall"),
    ErrorCode(NET_DNS, "平台域名无法解析", "Platform host name cannot be resolved",
              "检查 DNS 设置", "Check the DNS settings"),
    ErrorCode(NET_TIMEOUT, "连接政务平台超时", "Platform connection timed out",
              "检查网络质量，稍后重试", "Check the network quality and retry later"),
    ErrorCode(NET_TLS, "平台证书校验失败", "Platform TLS certificate verification failed",
              "检查终端时间和证书配置；不要关闭校验", "Check the clock and CA settings; never disable verification"),
    ErrorCode(NET_CERT_EXPIRING, "平台证书即将过期", "Platform certificate expires soon",
              "通知平台管理员更换证书", "Tell the platform operator to renew the certificate"),
    ErrorCode(NET_HTTP, "政务平台响应异常", "Platform answered with an error",
              "查看平台状态；稍后重试", "Check the platform status; retry later"),
    ErrorCode(NET_BAD_URL, "平台地址配置有误", "Platform address misconfigured",
              "检查 platform.base_url", "Check platform.base_url"),
)
