"""IDR error codes and the reader's SW3 status table (every status the brief lists).

Numbering: ``IDR-0xx`` is the reader's own SW3 status ``xx`` (hex), so a technician reading a
trace sees the same number; ``IDR-1xx`` are link and driver errors found on this side.
Each status carries a meaning, a completion outcome, the device state it implies (None = the
device itself is fine, the problem is the card or the person) and an i18n key for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.base import DeviceState, Outcome
from kiosk.devices.errors import ErrorCode, register

# i18n keys shown to citizens (assets/i18n/idcard.toml)
MSG_PLACE_AGAIN = "idcard.msg.place_again"
MSG_NOT_ID_CARD = "idcard.msg.not_id_card"
MSG_CARD_INVALID = "idcard.msg.card_invalid"
MSG_REMOVED_EARLY = "idcard.msg.removed_early"
MSG_READER_UNAVAILABLE = "idcard.msg.reader_unavailable"
MSG_NO_CARD = "idcard.msg.no_card"


@dataclass(frozen=True)
class IdrCode:
    error: ErrorCode
    outcome: Outcome
    # The device state this implies; None when the reader itself is fine (card/user problem).
    device_state: DeviceState | None
    message_key: str

    @property
    def code(self) -> str:
        return self.error.code


_CODES: dict[str, IdrCode] = {}
# SW3 byte → code
SW3_CODES: dict[int, IdrCode] = {}
SW3_SUCCESS = 0x90
SW3_CARD_FOUND = 0x9F
SW3_NO_ITEM_BYTE = 0x91


def _def(code: str, zh: str, en: str, action_zh: str, action_en: str, outcome: Outcome,
         state: DeviceState | None, message_key: str, sw3: int | None = None) -> IdrCode:
    entry = IdrCode(ErrorCode(code, zh, en, action_zh, action_en), outcome, state, message_key)
    _CODES[code] = entry
    if sw3 is not None:
        SW3_CODES[sw3] = entry
    return entry


HW, USER, READY = Outcome.HARDWARE_ERROR, Outcome.USER_ERROR, Outcome.NOT_READY
HWS = DeviceState.HARDWARE_ERROR
_CALL = ("检查读卡器连接；仍不行请联系维护人员", "Check the reader cable; if it persists call maintenance")
_AGAIN = ("请居民取下证件后重新放置", "Ask the citizen to lift the card and place it again")

# --- SW3 statuses (the reader's own words) ---------------------------------------------------
SW3_NO_ITEM = _def("IDR-091", "卡内无此项信息", "No such item on the card",
                   "正常情况（如无指纹或无追加地址）", "Normal (e.g. no fingerprint or appended address)",
                   USER, None, MSG_CARD_INVALID, 0x91)
_def("IDR-010", "读卡器收到的命令校验和错误", "Checksum error in the request",
     *_CALL, HW, HWS, MSG_READER_UNAVAILABLE, 0x10)
_def("IDR-011", "读卡器收到的命令长度错误", "Length error in the request",
     *_CALL, HW, HWS, MSG_READER_UNAVAILABLE, 0x11)
_def("IDR-021", "读卡器不支持该命令", "Bad command", "确认读卡器型号与配置一致", "Check the reader model matches the configuration",
     HW, HWS, MSG_READER_UNAVAILABLE, 0x21)
_def("IDR-023", "操作不允许（命令顺序不对）", "Operation not allowed (wrong order of commands)",
     "复位读卡器后重试", "Reset the reader and retry", READY, None, MSG_PLACE_AGAIN, 0x23)
_def("IDR-024", "读卡器未知错误", "Unknown error in the reader", *_CALL, HW, HWS, MSG_READER_UNAVAILABLE, 0x24)
_def("IDR-031", "证件认证安全模块失败", "The card failed to authenticate the SAM",
     "证件可能损坏或非真实证件；请人工核验", "Card may be damaged or not genuine; check it by hand",
     USER, None, MSG_CARD_INVALID, 0x31)
_def("IDR-032", "安全模块认证证件失败", "The SAM failed to authenticate the card",
     "证件可能损坏或非真实证件；请人工核验", "Card may be damaged or not genuine; check it by hand",
     USER, None, MSG_CARD_INVALID, 0x32)
_def("IDR-033", "信息验证错误", "Verification error", *_AGAIN, USER, None, MSG_PLACE_AGAIN, 0x33)
_def("IDR-037", "指纹信息验证错误", "Fingerprint data error", *_AGAIN, USER, None, MSG_PLACE_AGAIN, 0x37)
_def("IDR-03F", "证件信息长度错误", "Card information length error", *_AGAIN, USER, None, MSG_CARD_INVALID, 0x3F)
_def("IDR-040", "无法识别的卡类型", "Unknown card type", "请使用居民身份证或外国人永久居留身份证",
     "Use a resident ID card or a permanent-residence card", USER, None, MSG_NOT_ID_CARD, 0x40)
_def("IDR-041", "读卡操作失败", "Read failed", *_AGAIN, USER, None, MSG_PLACE_AGAIN, 0x41)
_def("IDR-047", "取随机数失败", "Random number generation failed", *_CALL, HW, HWS, MSG_READER_UNAVAILABLE, 0x47)
_def("IDR-060", "安全模块自检失败", "SAM self-test failed", "断电重启读卡器；仍失败需更换安全模块",
     "Power-cycle the reader; replace the SAM if it persists", HW, HWS, MSG_READER_UNAVAILABLE, 0x60)
_def("IDR-066", "安全模块未经授权", "SAM not authorised", "联系读卡器厂商为安全模块授权",
     "Ask the reader vendor to authorise the SAM", HW, HWS, MSG_READER_UNAVAILABLE, 0x66)
SW3_NO_CARD = _def("IDR-080", "寻卡失败（无证件）", "Find failed (no card on the reader)",
                   "请居民将证件平放在感应区", "Ask the citizen to lay the card flat on the reader",
                   USER, None, MSG_NO_CARD, 0x80)
_def("IDR-081", "选卡失败", "Select failed", *_AGAIN, USER, None, MSG_PLACE_AGAIN, 0x81)

# --- link and driver errors found on this side ------------------------------------------------
PORT_GONE = _def("IDR-101", "找不到读卡器端口（未连接或已拔出）", "Reader port not found (unplugged?)",
                 "检查USB/串口线和端口配置 devices.idcard.port", "Check the cable and devices.idcard.port",
                 HW, DeviceState.NO_DEVICE, MSG_READER_UNAVAILABLE)
PORT_DENIED = _def("IDR-102", "无法打开读卡器端口（权限或被占用）", "Reader port cannot be opened (permission or in use)",
                   "检查端口权限（dialout组）和是否被其他程序占用", "Check permissions (dialout) and other programs using the port",
                   HW, DeviceState.NO_DEVICE, MSG_READER_UNAVAILABLE)
NO_ANSWER = _def("IDR-103", "读卡器无应答（超时）", "No answer from the reader (timeout)",
                 "检查读卡器电源和波特率设置", "Check the reader's power and the baud rate setting",
                 Outcome.TIMEOUT, HWS, MSG_READER_UNAVAILABLE)
BAD_CHECKSUM = _def("IDR-104", "读卡器应答校验和错误", "Checksum error in the reader's answer",
                    "检查线缆和干扰；持续出现请更换线缆", "Check the cable and interference",
                    HW, HWS, MSG_PLACE_AGAIN)
GARBLED = _def("IDR-105", "读卡器应答无法识别（乱码）", "Garbled answer from the reader",
               "检查波特率设置和线缆", "Check the baud rate and the cable", HW, HWS, MSG_READER_UNAVAILABLE)
INCOMPLETE = _def("IDR-106", "读卡器应答不完整", "Incomplete answer from the reader",
                  "检查线缆；持续出现请联系维护人员", "Check the cable; call maintenance if it persists",
                  Outcome.TIMEOUT, HWS, MSG_PLACE_AGAIN)
MALFORMED = _def("IDR-107", "读卡器应答格式不符", "Answer has an unexpected format",
                 "确认读卡器型号与配置一致", "Check the reader model matches the configuration",
                 HW, HWS, MSG_READER_UNAVAILABLE)
CARD_DATA = _def("IDR-108", "证件信息无法解析", "Card data cannot be parsed", *_AGAIN, USER, None, MSG_CARD_INVALID)
CARD_TYPE = _def("IDR-109", "不支持的证件类型标志", "Unsupported card type flag",
                 "请使用居民身份证或外国人永久居留身份证", "Use a resident ID card or a permanent-residence card",
                 USER, None, MSG_NOT_ID_CARD)
REMOVED_EARLY = _def("IDR-110", "读卡过程中证件被移开", "Card removed during reading",
                     "请居民放稳证件，读完前不要移动", "Ask the citizen to keep the card still until read",
                     USER, None, MSG_REMOVED_EARLY)
PHOTO_DECODER = _def("IDR-111", "照片解码库不可用或解码失败", "Photo decoder unavailable or failed",
                     "检查 devices.idcard.wlt_library 配置和厂商授权", "Check devices.idcard.wlt_library and the vendor licence",
                     HW, None, MSG_CARD_INVALID)
BAD_SW = _def("IDR-112", "读卡器应答状态字异常（SW1/SW2不为0）", "SW1/SW2 not 00 00 in the answer",
              *_CALL, HW, HWS, MSG_READER_UNAVAILABLE)
IO_ERROR = _def("IDR-113", "读卡器通信读写错误", "I/O error on the reader link",
                "检查线缆；读卡器将自动重连", "Check the cable; the reader reconnects by itself",
                HW, DeviceState.NO_DEVICE, MSG_READER_UNAVAILABLE)
UNKNOWN_SW3 = _def("IDR-199", "读卡器返回未知状态码", "Unknown status code from the reader",
                   *_CALL, HW, HWS, MSG_READER_UNAVAILABLE)
CANCELED = _def("IDR-120", "操作已取消", "Operation canceled", "无需处理", "None needed",
                Outcome.CANCELED, None, MSG_PLACE_AGAIN)

register(*(c.error for c in _CODES.values()))


def code(code_str: str) -> IdrCode:
    return _CODES[code_str]


def all_idr_codes() -> list[IdrCode]:
    return sorted(_CODES.values(), key=lambda c: c.code)


def for_sw3(sw3: int) -> IdrCode:
    """The code of a failure status (never call with 90/9F)."""
    return SW3_CODES.get(sw3, UNKNOWN_SW3)
