"""STF error codes (staff access and assisted mode), registered for ``kiosk-diag errors``."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

CODES = (
    ErrorCode("STF-001", "员工密码错误", "Wrong staff PIN",
              "核对密码后重试；连续输错将被锁定", "Check the PIN and try again; repeated errors lock the account"),
    ErrorCode("STF-002", "员工账号已锁定", "Staff account locked after wrong PINs",
              "等待锁定时间结束，或请运维工程师解锁", "Wait for the lockout to end or ask a technician to unlock"),
    ErrorCode("STF-003", "需要插入员工卡", "Staff card required",
              "插入本人员工卡后再输入密码", "Insert your staff card, then enter the PIN"),
    ErrorCode("STF-004", "员工卡无法识别", "Staff card not recognised",
              "确认是本人有效员工卡；仍不行请联系运维", "Check it is your valid staff card; else call support"),
    ErrorCode("STF-005", "该岗位无权进入此模式", "This role may not use this mode",
              "大堂经理进入协办模式，运维工程师进入运维模式", "Managers use assisted mode, technicians diagnostics"),
    ErrorCode("STF-006", "员工登录已超时", "Staff session expired",
              "重新登录", "Log in again"),
    ErrorCode("STF-007", "此操作必须填写原因", "This action needs a reason",
              "填写原因后再确认", "Enter a reason, then confirm"),
    ErrorCode("STF-008", "员工名单文件有误", "Staff file invalid",
              "检查 staff_file 配置和文件内容（kiosk-diag staff check）",
              "Check the staff_file setting and contents (kiosk-diag staff check)"),
    ErrorCode("STF-009", "未登录员工账号", "No staff session",
              "先以员工身份登录", "Log in as staff first"),
    ErrorCode("STF-010", "协办操作未能完成", "Assisted action could not be completed",
              "查看设备或队列状态后重试", "Check the device or queue status and retry"),
    ErrorCode("STF-011", "当前岗位无权执行此操作", "Your role may not perform this action",
              "请有权限的员工操作", "Ask a colleague with the right role"),
    ErrorCode("STF-012", "本机没有这张凭条的补打记录", "No receipt with this reference is kept on this kiosk",
              "只能补打本机近期打印的凭条（devices.printer.reprint_keep_hours，重启后清空）；"
              "请群众凭受理编号扫码或到平台查询进度",
              "Only receipts printed here lately can be reprinted (devices.printer.reprint_keep_hours, "
              "cleared on restart); the citizen can check progress by the reference at the platform"),
    ErrorCode("STF-013", "小票打印机不可用，无法补打", "Receipt printer not available for a reprint",
              "在运维模式查看小票打印机状态", "Check the receipt printer's status in diagnostics mode"),
)

register(*CODES)
