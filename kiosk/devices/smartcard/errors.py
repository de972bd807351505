"""PCS-xxx error codes of the PC/SC card reader and the typed faults that carry them.

A fault is raised inside the card session (deep in an APDU exchange) and turned into a returned
:class:`~kiosk.devices.base.Completion` at the session boundary (driver.py), so expected failures
never escape as exceptions to the caller.
"""

from __future__ import annotations

from kiosk.devices.base import Outcome
from kiosk.devices.errors import ErrorCode, register

SERVICE_DOWN = ErrorCode("PCS-001", "读卡服务(pcscd)未运行", "PC/SC service (pcscd) is not running",
                         "检查 pcscd 服务；系统会自动重试连接", "Check the pcscd service; the kiosk retries by itself")
NO_READER = ErrorCode("PCS-002", "未找到读卡器", "No card reader found",
                      "检查读卡器 USB 连接和电源", "Check the reader's USB cable and power")
READER_GONE = ErrorCode("PCS-003", "读卡器已断开或名称不符", "Card reader disconnected or not the configured one",
                        "重新插好读卡器；核对配置 devices.smartcard.reader", "Reconnect the reader; check devices.smartcard.reader")
NO_CARD = ErrorCode("PCS-010", "读卡器中没有卡", "No card in the reader",
                    "请用户插入或放置卡片", "Ask the user to insert or tap the card")
CARD_REMOVED = ErrorCode("PCS-011", "读卡过程中卡片被取出", "Card removed during reading",
                         "请用户重新插卡，读完前不要拔卡", "Ask the user to insert the card again and wait")
CARD_MUTE = ErrorCode("PCS-012", "卡片无响应(超时)", "Card does not answer (timeout)",
                      "请取出卡片重新插入；若反复出现，卡片可能损坏", "Remove and reinsert the card; a card failing repeatedly may be damaged")
READER_BUSY = ErrorCode("PCS-013", "读卡器被其他程序占用", "Card reader in use by another program",
                        "关闭占用读卡器的程序后重试", "Close the other program using the reader and retry")
CARD_UNPOWERED = ErrorCode("PCS-014", "卡片无法上电(复位失败)", "Card could not be powered (no answer to reset)",
                           "检查卡片方向或更换卡片", "Check the card is inserted the right way round, or try another card")
BAD_DATA = ErrorCode("PCS-020", "卡片返回数据格式错误", "Card returned malformed data",
                     "请重新插卡；若反复出现请联系发卡机构", "Reinsert the card; if repeated, refer the user to the card issuer")
UNKNOWN_CARD = ErrorCode("PCS-021", "无法识别的卡片", "Card type not recognised",
                         "请使用银行卡、社保卡或工作卡", "Use a bank card, social-security card or staff card")
CARD_REFUSED = ErrorCode("PCS-022", "卡片拒绝了指令", "Card refused a command",
                         "请重新插卡；若反复出现请联系发卡机构", "Reinsert the card; if repeated, refer the user to the issuer")
BANK_NO_APP = ErrorCode("PCS-030", "未找到银联应用", "No UnionPay application on the card",
                        "请使用银联卡", "Use a UnionPay card")
BANK_NO_PAN = ErrorCode("PCS-031", "银行卡中未读到卡号", "No card number found on the bank card",
                        "请重新插卡或使用其他银行卡", "Reinsert the card or use another card")
SSC_PIN_REQUIRED = ErrorCode("PCS-040", "社保卡需要验证密码", "Social-security card requires PIN verification",
                             "按当地要求由用户输入社保卡密码", "Have the citizen enter the card PIN as locally required")
SSC_PIN_BLOCKED = ErrorCode("PCS-041", "社保卡密码已锁定", "Social-security card PIN is blocked",
                            "请用户到社保经办机构或合作银行解锁", "Refer the citizen to a social-security office or partner bank")
SSC_TERMINAL_AUTH = ErrorCode("PCS-042", "第三代社保卡需要终端认证(PSAM)", "Third-generation card needs terminal authentication (PSAM)",
                              "配置厂商读卡库 devices.smartcard.vendor_sdk_library", "Configure the vendor SDK: devices.smartcard.vendor_sdk_library")
VENDOR_SDK_FAILED = ErrorCode("PCS-043", "厂商读卡库调用失败", "Vendor card SDK call failed",
                              "检查厂商库路径、PSAM 卡和日志中的返回码", "Check the SDK path, the PSAM and the return code in the log")
STAFF_AUTH_FAILED = ErrorCode("PCS-050", "工作卡认证失败", "Staff card authentication failed",
                              "该卡可能是伪造或未登记的卡，请联系管理员", "The card may be forged or not provisioned; contact the administrator")
STAFF_NO_KEY = ErrorCode("PCS-051", "未配置工作卡密钥", "No staff-card key material configured",
                         "配置 devices.smartcard.staff_key_file", "Configure devices.smartcard.staff_key_file")
STAFF_BAD_CARD = ErrorCode("PCS-052", "工作卡数据无效", "Staff card data invalid",
                           "请重新制卡", "Re-issue the staff card")
PCSC_ERROR = ErrorCode("PCS-099", "读卡器未知错误", "Unexpected PC/SC error",
                       "查看日志中的 PC/SC 返回码；重启读卡服务", "Read the PC/SC return code in the log; restart pcscd")

register(SERVICE_DOWN, NO_READER, READER_GONE, NO_CARD, CARD_REMOVED, CARD_MUTE, READER_BUSY,
         CARD_UNPOWERED, BAD_DATA, UNKNOWN_CARD, CARD_REFUSED, BANK_NO_APP, BANK_NO_PAN,
         SSC_PIN_REQUIRED, SSC_PIN_BLOCKED, SSC_TERMINAL_AUTH, VENDOR_SDK_FAILED, STAFF_AUTH_FAILED,
         STAFF_NO_KEY, STAFF_BAD_CARD, PCSC_ERROR)


class CardFault(Exception):
    """An expected failure inside a card session; the session turns it into a Completion."""

    code: ErrorCode = PCSC_ERROR
    outcome: Outcome = Outcome.HARDWARE_ERROR
    message_key: str = "smartcard.error_generic"

    def __init__(self, detail: str = "", *, code: ErrorCode | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class ServiceGone(CardFault):
    code, outcome, message_key = SERVICE_DOWN, Outcome.NOT_READY, "smartcard.error_service"


class ReaderGone(CardFault):
    code, outcome, message_key = READER_GONE, Outcome.NOT_READY, "smartcard.error_reader"


class NoCard(CardFault):
    code, outcome, message_key = NO_CARD, Outcome.USER_ERROR, "smartcard.error_no_card"


class CardRemoved(CardFault):
    code, outcome, message_key = CARD_REMOVED, Outcome.USER_ERROR, "smartcard.error_removed"


class CardMute(CardFault):
    code, outcome, message_key = CARD_MUTE, Outcome.TIMEOUT, "smartcard.error_mute"


class ReaderBusy(CardFault):
    code, outcome, message_key = READER_BUSY, Outcome.NOT_READY, "smartcard.error_busy"


class CardUnpowered(CardFault):
    code, outcome, message_key = CARD_UNPOWERED, Outcome.USER_ERROR, "smartcard.error_unpowered"


class BadCardData(CardFault):
    code, outcome, message_key = BAD_DATA, Outcome.USER_ERROR, "smartcard.error_bad_data"


class CardRefused(CardFault):
    """The card answered a status word the protocol does not expect."""

    code, outcome, message_key = CARD_REFUSED, Outcome.USER_ERROR, "smartcard.error_refused"

    def __init__(self, detail: str = "", *, sw: int = 0, code: ErrorCode | None = None) -> None:
        super().__init__(detail, code=code)
        self.sw = sw


class UnknownCard(CardFault):
    code, outcome, message_key = UNKNOWN_CARD, Outcome.USER_ERROR, "smartcard.error_unknown_card"


class Cancelled(CardFault):
    code, outcome, message_key = PCSC_ERROR, Outcome.CANCELED, "smartcard.error_cancelled"
