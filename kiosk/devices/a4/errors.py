"""A4P-xxx: numbered A4 printer / spooler problems (``kiosk-diag errors``)."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

SPOOLER_DOWN = "A4P-001"
QUEUE_ABSENT = "A4P-002"
QUEUE_STOPPED = "A4P-003"
QUEUE_REJECTING = "A4P-004"
JOB_FAILED = "A4P-010"
JOB_CANCELED = "A4P-011"
JOB_TIMEOUT = "A4P-012"
RENDER_FAILED = "A4P-020"
SUBMIT_FAILED = "A4P-021"
SETUP_FAILED = "A4P-030"

register(
    ErrorCode(SPOOLER_DOWN, "打印服务（CUPS）未运行", "Print spooler (cupsd) not running",
              "启动 cupsd（systemctl start cups），查看 /var/log/cups/error_log",
              "Start cupsd (systemctl start cups); see /var/log/cups/error_log"),
    ErrorCode(QUEUE_ABSENT, "A4 打印队列不存在", "A4 print queue does not exist",
              "用 lpadmin 添加队列，名称见 devices.a4.queue", "Add the queue with lpadmin; name in devices.a4.queue"),
    ErrorCode(QUEUE_STOPPED, "A4 打印机已停止（缺纸、卡纸或被停用）", "A4 printer stopped (paper, jam or disabled)",
              "排除打印机故障后执行 cupsenable <队列>", "Clear the printer fault, then run cupsenable <queue>"),
    ErrorCode(QUEUE_REJECTING, "A4 打印队列拒绝新任务", "A4 print queue rejects new jobs",
              "执行 cupsaccept <队列>", "Run cupsaccept <queue>"),
    ErrorCode(JOB_FAILED, "A4 打印任务失败", "A4 print job failed (aborted)",
              "查看 lpstat -l -p 与 /var/log/cups/error_log", "See lpstat -l -p and /var/log/cups/error_log"),
    ErrorCode(JOB_CANCELED, "A4 打印任务被取消", "A4 print job canceled", "如需要请重新打印", "Reprint if needed"),
    ErrorCode(JOB_TIMEOUT, "A4 打印任务未在规定时间内完成", "A4 print job did not finish in time",
              "检查打印机是否在工作，查看 lpstat -o", "Check the printer is working; see lpstat -o"),
    ErrorCode(RENDER_FAILED, "证明文件生成失败（模板或数据有误）", "Certificate could not be rendered (template or data)",
              "查看日志中的模板名称和缺失字段", "See the log for the template and the missing field"),
    ErrorCode(SUBMIT_FAILED, "打印任务无法提交给打印服务", "Print job could not be submitted to the spooler",
              "检查 cupsd 状态和磁盘空间", "Check cupsd and free disk space"),
    ErrorCode(SETUP_FAILED, "模拟 A4 打印队列无法建立", "The simulated A4 queue could not be set up",
              "确认已安装 cups 和 printer-driver-cups-pdf，并以 root 运行", "Install cups and printer-driver-cups-pdf; run as root"),
)
