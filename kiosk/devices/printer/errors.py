"""PRN-xxx: numbered receipt-printer problems a technician can look up (``kiosk-diag errors``)."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

NO_REPLY = "PRN-001"
GARBLED = "PRN-002"
PORT_ERROR = "PRN-003"
UNKNOWN_MODEL = "PRN-004"
PAPER_NEAR_END = "PRN-010"
PAPER_OUT = "PRN-011"
COVER_OPEN = "PRN-020"
CUTTER_ERROR = "PRN-030"
UNRECOVERABLE = "PRN-031"
PRINTER_ERROR = "PRN-032"
OFFLINE = "PRN-040"
FAULT_MID_JOB = "PRN-050"
FENCE_TIMEOUT = "PRN-051"
JOB_CANCELED = "PRN-052"
ENCODING_LOSS = "PRN-060"

register(
    ErrorCode(NO_REPLY, "小票打印机无应答（未连接或未通电）", "Receipt printer does not answer (not connected or powered off)",
              "检查打印机电源和数据线，确认配置中的端口", "Check power and cable; check devices.printer.port"),
    ErrorCode(GARBLED, "小票打印机状态应答无法识别", "Receipt printer status reply not recognised",
              "检查波特率设置和数据线；确认打印机型号配置", "Check baud rate and cable; check devices.printer.model"),
    ErrorCode(PORT_ERROR, "小票打印机端口打不开或读写出错", "Receipt printer port cannot be opened or failed",
              "检查端口路径和权限，重新插拔数据线", "Check the port path and permissions; replug the cable"),
    ErrorCode(UNKNOWN_MODEL, "配置的小票打印机型号不存在", "Configured receipt printer model is unknown",
              "改正 devices.printer.model（见 assets/printer/profiles.toml）",
              "Fix devices.printer.model (see assets/printer/profiles.toml)"),
    ErrorCode(PAPER_NEAR_END, "小票纸将尽", "Receipt paper near end",
              "尽快更换纸卷", "Replace the paper roll soon"),
    ErrorCode(PAPER_OUT, "小票纸已用完", "Receipt paper out",
              "更换纸卷并合上盖板", "Load a new paper roll and close the cover"),
    ErrorCode(COVER_OPEN, "小票打印机盖板打开", "Receipt printer cover open",
              "合上打印机盖板", "Close the printer cover"),
    ErrorCode(CUTTER_ERROR, "小票打印机切刀故障", "Receipt printer auto-cutter error",
              "打开盖板清除卡纸，检查切刀；仍不行请报修", "Open the cover, clear the jam, check the cutter; else call service"),
    ErrorCode(UNRECOVERABLE, "小票打印机硬件故障（不可自动恢复）", "Receipt printer unrecoverable error",
              "关闭打印机电源再打开；仍不行请报修", "Power-cycle the printer; else call service"),
    ErrorCode(PRINTER_ERROR, "小票打印机报告故障（该型号不提供详细原因）", "Receipt printer reports an error (no detail on this model)",
              "查看打印机面板错误灯，清除卡纸，必要时断电重启", "Check the error lamp, clear jams, power-cycle if needed"),
    ErrorCode(OFFLINE, "小票打印机脱机", "Receipt printer offline",
              "检查打印机面板（进纸键、错误灯）", "Check the printer panel (feed button, error lamp)"),
    ErrorCode(FAULT_MID_JOB, "打印过程中小票打印机出现故障，小票不完整", "Receipt printer fault during the job; receipt incomplete",
              "排除故障后在管理界面补打小票", "Clear the fault, then reprint the receipt from the staff screen"),
    ErrorCode(FENCE_TIMEOUT, "小票打印未在规定时间内完成", "Receipt job did not finish in time",
              "检查打印机是否卡纸或过慢，查看状态", "Check for jams or a slow printer; check its status"),
    ErrorCode(JOB_CANCELED, "小票打印被取消", "Receipt job canceled",
              "如需要请重新打印", "Reprint if needed"),
    ErrorCode(ENCODING_LOSS, "部分文字无法用打印机字符集打印", "Some characters cannot be printed in the printer's encoding",
              "检查打印机型号配置中的编码（encoding）", "Check the encoding in the printer model profile"),
)
