"""GB/T 2260 at province level: the first two digits of a region code name the province.

All 34 province-level divisions, with the Chinese and English names. Counties and cities are not
listed (their codes change every year); :func:`province_of` answers from the first two digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProvinceKind = Literal["municipality", "province", "autonomous_region", "sar"]


@dataclass(frozen=True)
class Province:
    code: str  # two digits, e.g. "31"
    name_zh: str
    name_en: str
    kind: ProvinceKind

    @property
    def region_code(self) -> str:
        """The six-digit GB/T 2260 code of the province itself (``310000``)."""
        return self.code + "0000"


_P = Province
PROVINCES: dict[str, Province] = {p.code: p for p in (
    _P("11", "北京市", "Beijing", "municipality"),
    _P("12", "天津市", "Tianjin", "municipality"),
    _P("13", "河北省", "Hebei", "province"),
    _P("14", "山西省", "Shanxi", "province"),
    _P("15", "内蒙古自治区", "Inner Mongolia", "autonomous_region"),
    _P("21", "辽宁省", "Liaoning", "province"),
    _P("22", "吉林省", "Jilin", "province"),
    _P("23", "黑龙江省", "Heilongjiang", "province"),
    _P("31", "上海市", "Shanghai", "municipality"),
    _P("32", "江苏省", "Jiangsu", "province"),
    _P("33", "浙江省", "Zhejiang", "province"),
    _P("34", "安徽省", "Anhui", "province"),
    _P("35", "福建省", "Fujian", "province"),
    _P("36", "江西省", "Jiangxi", "province"),
    _P("37", "山东省", "Shandong", "province"),
    _P("41", "河南省", "Henan", "province"),
    _P("42", "湖北省", "Hubei", "province"),
    _P("43", "湖南省", "Hunan", "province"),
    _P("44", "广东省", "Guangdong", "province"),
    _P("45", "广西壮族自治区", "Guangxi", "autonomous_region"),
    _P("46", "海南省", "Hainan", "province"),
    _P("50", "重庆市", "Chongqing", "municipality"),
    _P("51", "四川省", "Sichuan", "province"),
    _P("52", "贵州省", "Guizhou", "province"),
    _P("53", "云南省", "Yunnan", "province"),
    _P("54", "西藏自治区", "Xizang (Tibet)", "autonomous_region"),
    _P("61", "陕西省", "Shaanxi", "province"),
    _P("62", "甘肃省", "Gansu", "province"),
    _P("63", "青海省", "Qinghai", "province"),
    _P("64", "宁夏回族自治区", "Ningxia", "autonomous_region"),
    _P("65", "新疆维吾尔自治区", "Xinjiang", "autonomous_region"),
    _P("71", "台湾省", "Taiwan", "province"),
    _P("81", "香港特别行政区", "Hong Kong SAR", "sar"),
    _P("82", "澳门特别行政区", "Macao SAR", "sar"),
)}


def province_of(region_code: str) -> Province | None:
    """The province of a region code (``"310104"`` or an ID number) — None when unknown."""
    code = region_code.strip()[:2]
    return PROVINCES.get(code) if len(code) == 2 else None


def same_province(a: str, b: str) -> bool:
    """True when two region codes (or ID numbers) belong to the same known province."""
    pa, pb = province_of(a), province_of(b)
    return pa is not None and pa == pb
