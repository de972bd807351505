"""Province codes (GB/T 2260, first two digits) and the little the catalogue needs from an ID number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"), "12": ("天津市", "Tianjin"), "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"), "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"), "22": ("吉林省", "Jilin"), "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"), "32": ("江苏省", "Jiangsu"), "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"), "35": ("福建省", "Fujian"), "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"), "41": ("河南省", "Henan"), "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"), "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"), "46": ("海南省", "Hainan"), "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"), "52": ("贵州省", "Guizhou"), "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet"), "61": ("陕西省", "Shaanxi"), "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"), "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"), "71": ("台湾省", "Taiwan"),
    "81": ("香港特别行政区", "Hong Kong"), "82": ("澳门特别行政区", "Macao"),
}


def province_name(code: str, language: str = "zh_CN") -> str:
    """Name of the province of a 2- or 6-digit code; the code itself when unknown."""
    zh_en = PROVINCES.get(code[:2])
    if zh_en is None:
        return code
    return zh_en[1] if language == "en_US" else zh_en[0]


@dataclass(frozen=True)
class IdNumberFacts:
    province: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" / "F"


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_facts(id_number: str) -> IdNumberFacts | None:
    """Region, birth date and sex of an 18-digit resident ID number (GB 11643); None if invalid.

    TEMPORARY: the ID-card helper is writing the real parser (kiosk/identity or
    kiosk/devices/idcard); replace the body of this one function with a call to it.
    """
    n = id_number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit() or n[17] not in "0123456789X":
        return None
    total = sum(int(c) * w for c, w in zip(n[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != n[17]:
        return None
    try:
        birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return None
    if n[:2] not in PROVINCES:
        return None
    return IdNumberFacts(province=n[:2], region_code=n[:6], birth_date=birth,
                         sex="M" if int(n[16]) % 2 else "F")


def make_id_number(region_code: str, birth: dt.date, sequence: int, male: bool) -> str:
    """A checksum-valid ID number for tests and demos (sequence 0-99)."""
    seq = f"{sequence % 100:02d}{(1 if male else 2) if sequence % 2 == 0 else (3 if male else 4)}"
    body = f"{region_code}{birth:%Y%m%d}{seq}"
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]
