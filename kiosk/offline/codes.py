"""Numbered QUE-xxx error codes of the offline queue (``kiosk-diag errors QUE-010``)."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

DISK_FULL = ErrorCode("QUE-010", "队列磁盘空间不足，暂停受理", "Queue disk budget exhausted",
                      "联网同步后空间自动释放；检查网络与磁盘", "Space frees as items sync; check network/disk")
DISK_ALARM = ErrorCode("QUE-011", "队列磁盘占用偏高", "Queue disk usage high",
                       "检查网络是否长时间中断", "Check for a long network outage")
LOCKED = ErrorCode("QUE-020", "队列已被另一个进程打开", "Queue is open in another process",
                   "同一时间只允许一个终端程序写队列", "Only one kiosk process may write the queue")
CORRUPT = ErrorCode("QUE-030", "本地申报数据损坏", "Local application data corrupt",
                    "转入待处理列表；联系运维导出后处理", "Moved to dead letters; export and escalate")
REJECTED = ErrorCode("QUE-040", "平台拒收申报（已转入待处理列表）",
                     "Platform rejected the application (dead letter)",
                     "查看错误代码，修正后用 redrive 重新提交", "See the code; re-drive after a fix")
EXPIRED = ErrorCode("QUE-041", "长期无法送达（已转入待处理列表）",
                    "Undeliverable for too long (dead letter)",
                    "检查网络与平台；修复后 redrive", "Check network/platform; re-drive after a fix")
ENCRYPT = ErrorCode("QUE-050", "无法加密申报（平台公钥未配置）",
                    "Cannot seal the application (platform key missing)",
                    "配置平台公钥", "Configure the platform public keys")

register(DISK_FULL, DISK_ALARM, LOCKED, CORRUPT, REJECTED, EXPIRED, ENCRYPT)
