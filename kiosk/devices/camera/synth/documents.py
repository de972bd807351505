"""Flat renderings of the documents citizens bring: 户口簿 page, 结婚证, 租房合同 page with a red seal,
resident ID card, A4 application form.

Drawn with Pillow and a CJK TrueType font (fonts-wqy-microhei / zenhei). All names, numbers and
addresses are invented sample data (the ID number is the textbook GB 11643 example). Each layout is
drawn at ``PX_PER_MM`` and returned as a BGR numpy array plus its physical size, so the desk scene
can place it with a known geometry.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PX_PER_MM = 8.0  # drawing resolution of the flat document (203 dpi); warped down onto the desk

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

INK = (30, 30, 34)
SEAL_RED = (205, 28, 36)


class Layout(StrEnum):
    HUKOU = "hukou"  # 户口簿 常住人口登记卡 page
    MARRIAGE = "marriage"  # 结婚证 inner spread
    RENTAL = "rental"  # 租房合同 signature page with a company seal (公章)
    ID_CARD = "id_card"  # 居民身份证 back (photo side), 85.6 × 54 mm
    FORM = "form"  # A4 application form (申请表)


@dataclass(frozen=True)
class FlatDocument:
    layout: Layout
    image_bgr: np.ndarray  # H×W×3 uint8
    size_mm: tuple[float, float]  # width, height


@functools.lru_cache(maxsize=8)
def font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size_px)
    return ImageFont.load_default()


def has_cjk_font() -> bool:
    return any(Path(p).exists() for p in FONT_CANDIDATES)


def _mm(v: float) -> int:
    return round(v * PX_PER_MM)


class _Canvas:
    def __init__(self, w_mm: float, h_mm: float, paper: tuple[int, int, int]) -> None:
        self.w_mm, self.h_mm = w_mm, h_mm
        self.img = Image.new("RGB", (_mm(w_mm), _mm(h_mm)), paper)
        self.draw = ImageDraw.Draw(self.img)

    def text(self, x: float, y: float, s: str, size_mm: float, fill: tuple[int, int, int] = INK,
             anchor: str = "la") -> None:
        self.draw.text((_mm(x), _mm(y)), s, font=font(_mm(size_mm)), fill=fill, anchor=anchor)

    def line(self, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.3,
             fill: tuple[int, int, int] = INK) -> None:
        self.draw.line((_mm(x0), _mm(y0), _mm(x1), _mm(y1)), fill=fill, width=max(1, _mm(width_mm)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, width_mm: float = 0.3,
             outline: tuple[int, int, int] | None = INK, fill: tuple[int, int, int] | None = None) -> None:
        self.draw.rectangle((_mm(x0), _mm(y0), _mm(x1), _mm(y1)), outline=outline, fill=fill,
                            width=max(1, _mm(width_mm)))

    def grid(self, x0: float, y0: float, col_mm: list[float], row_mm: float, rows: int,
             width_mm: float = 0.3, fill: tuple[int, int, int] = INK) -> None:
        x1 = x0 + sum(col_mm)
        for r in range(rows + 1):
            self.line(x0, y0 + r * row_mm, x1, y0 + r * row_mm, width_mm, fill)
        x = x0
        for c in [0.0, *col_mm]:
            x += c
            self.line(x, y0, x, y0 + rows * row_mm, width_mm, fill)

    def paragraph(self, x: float, y: float, width_mm: float, s: str, size_mm: float,
                  leading: float = 1.7) -> float:
        """Wrap CJK text by character; return the y below the paragraph."""
        f = font(_mm(size_mm))
        limit = _mm(width_mm)
        line = ""
        for ch in s:
            if f.getlength(line + ch) > limit:
                self.text(x, y, line, size_mm)
                y += size_mm * leading
                line = ch.lstrip()
            else:
                line += ch
        if line:
            self.text(x, y, line, size_mm)
            y += size_mm * leading
        return y

    def seal(self, cx: float, cy: float, r: float, ring_text: str, centre_text: str = "") -> None:
        """A round company seal: red ring, a star, text along the arc; slightly uneven ink."""
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        c = (_mm(cx), _mm(cy))
        rr = _mm(r)
        colour = (*SEAL_RED, 215)
        d.ellipse((c[0] - rr, c[1] - rr, c[0] + rr, c[1] + rr), outline=colour, width=_mm(1.1))
        star_r = rr * 0.28
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rad = star_r if i % 2 == 0 else star_r * 0.4
            pts.append((c[0] + rad * math.cos(a), c[1] + rad * math.sin(a)))
        d.polygon(pts, fill=colour)
        size = _mm(r * 0.3)
        f = font(size)
        n = len(ring_text)
        span = math.radians(250)
        for i, ch in enumerate(ring_text):
            a = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
            glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((size, size), ch, font=f, fill=colour, anchor="mm")
            glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
            gx = c[0] + (rr * 0.72) * math.cos(a) - size
            gy = c[1] + (rr * 0.72) * math.sin(a) - size
            layer.alpha_composite(glyph, (int(gx), int(gy)))
        if centre_text:
            d.text((c[0], c[1] + rr * 0.55), centre_text, font=font(_mm(r * 0.2)), fill=colour, anchor="mm")
        # uneven ink: knock out a few speckles so it does not look computer-perfect
        rng = np.random.default_rng(7)
        alpha = np.asarray(layer.getchannel("A"), dtype=np.float32)
        speckle = rng.random(alpha.shape) < 0.18
        alpha[speckle] *= 0.45
        layer.putalpha(Image.fromarray(alpha.astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6)))
        base = self.img.convert("RGBA")
        base.alpha_composite(layer)
        self.img = base.convert("RGB")
        self.draw = ImageDraw.Draw(self.img)

    def photo(self, x0: float, y0: float, x1: float, y1: float, background: tuple[int, int, int]) -> None:
        """A head-and-shoulders placeholder silhouette (a grey figure, not a real face)."""
        self.rect(x0, y0, x1, y1, outline=None, fill=background)
        w, h = x1 - x0, y1 - y0
        cx = (x0 + x1) / 2
        self.draw.ellipse((_mm(cx - w * 0.22), _mm(y0 + h * 0.14), _mm(cx + w * 0.22), _mm(y0 + h * 0.58)),
                          fill=(96, 88, 84))
        self.draw.pieslice((_mm(x0 + w * 0.05), _mm(y0 + h * 0.62), _mm(x1 - w * 0.05), _mm(y1 + h * 0.45)),
                           180, 360, fill=(40, 44, 60))

    def finish(self) -> np.ndarray:
        rgb = np.asarray(self.img, dtype=np.uint8)
        return np.ascontiguousarray(rgb[:, :, ::-1])


def _hukou() -> FlatDocument:
    w, h = 190.0, 136.0
    cv = _Canvas(w, h, (236, 242, 238))
    # guilloche-like pale background lines typical of the booklet's security print
    for i in range(0, int(h), 3):
        cv.line(0, i, w, i + 6, 0.1, (222, 232, 228))
    cv.text(w / 2, 8, "常住人口登记卡", 7.0, anchor="ma")
    cols = [24.0, 44.0, 26.0, 44.0, 34.0]
    x0, y0, row = 9.0, 22.0, 9.5
    cv.grid(x0, y0, cols, row, 11, 0.35, (70, 90, 90))
    rows = [
        ("姓名", "张三", "户主或与户主关系", "户主"),
        ("曾用名", "", "性别", "男"),
        ("出生地", "上海市黄浦区", "民族", "汉"),
        ("籍贯", "浙江省宁波市", "出生日期", "1949年12月31日"),
        ("本市（县）其他住址", "", "宗教信仰", ""),
        ("公民身份号码", "11010519491231002X", "身高", "172厘米"),
        ("文化程度", "大学本科", "婚姻状况", "已婚"),
        ("服务处所", "上海某机械有限公司", "职业", "工程师"),
        ("何时由何地迁来本市", "", "", ""),
        ("何时由何地迁来本址", "", "", ""),
        ("承办人签章", "", "登记日期", "2015年3月2日"),
    ]
    for r, (a, b, c, d) in enumerate(rows):
        y = y0 + r * row + 2.6
        cv.text(x0 + 1.5, y, a, 3.0 if len(a) < 7 else 2.3)
        cv.text(x0 + cols[0] + 2, y, b, 3.6)
        cv.text(x0 + cols[0] + cols[1] + 1.5, y, c, 3.0 if len(c) < 7 else 2.3)
        cv.text(x0 + cols[0] + cols[1] + cols[2] + 2, y, d, 3.6)
    cv.photo(x0 + sum(cols[:4]) + 3, y0 + 3, x0 + sum(cols) - 3, y0 + 4 * row - 2, (225, 232, 240))
    cv.seal(w - 40, h - 22, 16, "上海市公安局黄浦分局", "户口专用章")
    return FlatDocument(Layout.HUKOU, cv.finish(), (w, h))


def _marriage() -> FlatDocument:
    w, h = 188.0, 128.0
    cv = _Canvas(w, h, (244, 236, 226))
    cv.line(w / 2, 0, w / 2, h, 0.5, (210, 196, 180))
    cv.text(w * 0.25, 10, "结婚证", 9.0, fill=(170, 30, 40), anchor="ma")
    fields = [("持证人", "李四"), ("登记日期", "2018年05月20日"), ("结婚证字号", "J310101-2018-000521"),
              ("备注", "")]
    y = 30.0
    for k, v in fields:
        cv.text(12, y, k, 3.6)
        cv.text(40, y, v, 3.8)
        cv.line(38, y + 5.5, w / 2 - 8, y + 5.5, 0.2, (150, 130, 120))
        y += 13
    cv.text(12, y + 4, "婚姻登记员：王五", 3.4)
    cv.seal(w * 0.33, h - 24, 17, "上海市黄浦区民政局", "婚姻登记专用章")
    # right page: the two-person photo on red and the personal details
    cv.photo(w / 2 + 30, 8, w / 2 + 64, 36, (200, 40, 48))
    cv.photo(w / 2 + 47, 8, w / 2 + 81, 36, (200, 40, 48))
    people = [("姓名", "张三", "性别", "男"), ("国籍", "中国", "出生日期", "1949-12-31"),
              ("身份证件号", "11010519491231002X", "", ""), ("姓名", "李四", "性别", "女"),
              ("国籍", "中国", "出生日期", "1952-03-08"), ("身份证件号", "310101195203080046", "", "")]
    y = 46.0
    for a, b, c, d in people:
        cv.text(w / 2 + 8, y, a, 3.2)
        cv.text(w / 2 + 28, y, b, 3.5)
        if c:
            cv.text(w / 2 + 52, y, c, 3.2)
            cv.text(w / 2 + 68, y, d, 3.5)
        y += 11 if a != "身份证件号" else 14
    return FlatDocument(Layout.MARRIAGE, cv.finish(), (w, h))


_CONTRACT_TEXT = (
    "第八条　合同期满，甲方如继续出租该房屋，乙方享有同等条件下的优先承租权。乙方需继续承租的，"
    "应于租赁期满前三十日向甲方提出书面要求，经甲方同意后重新签订租赁合同。"
    "第九条　租赁期间，乙方应合理使用并爱护该房屋及其附属设施，因乙方使用不当造成损坏的，"
    "乙方应负责修复或者赔偿。"
    "第十条　本合同未尽事宜，经甲、乙双方协商一致，可订立补充条款。补充条款与本合同具有同等效力。"
    "第十一条　本合同一式贰份，甲、乙双方各执壹份，自双方签字（盖章）之日起生效。"
)


def _rental() -> FlatDocument:
    w, h = 210.0, 297.0
    cv = _Canvas(w, h, (250, 250, 247))
    cv.text(w / 2, 18, "房屋租赁合同", 8.0, anchor="ma")
    y = 36.0
    for part in _CONTRACT_TEXT.split("第")[1:]:
        y = cv.paragraph(24, y, w - 48, "第" + part, 4.0, 1.75) + 3
    y += 10
    cv.text(24, y, "甲方（出租方）：上海某某物业管理有限公司", 4.2)
    cv.text(24, y + 12, "法定代表人：（签字）", 4.2)
    cv.text(118, y + 12, "乙方（承租方）：张三", 4.2)
    cv.text(24, y + 30, "签订日期：2023年7月1日", 4.2)
    cv.text(118, y + 30, "签订日期：2023年7月1日", 4.2)
    cv.seal(62, y + 20, 21, "上海某某物业管理有限公司", "合同专用章")
    cv.text(w / 2, h - 14, "第 3 页  共 3 页", 3.4, anchor="ma")
    return FlatDocument(Layout.RENTAL, cv.finish(), (w, h))


def _id_card() -> FlatDocument:
    w, h = 85.6, 54.0
    cv = _Canvas(w, h, (226, 236, 240))
    # pale guilloche waves
    for k in range(0, 60, 2):
        pts = [(_mm(x), _mm(k + 2.5 * math.sin(x / 6.0 + k))) for x in np.linspace(0, w, 60)]
        cv.draw.line(pts, fill=(206, 222, 232), width=1)
    blue = (20, 40, 90)
    rows = [("姓名", "张三"), ("性别", "男    民族  汉"), ("出生", "1949 年 12 月 31 日"),
            ("住址", "上海市黄浦区中山东一路")]
    y = 6.0
    for label, v in rows:
        cv.text(6, y, "   ".join(label), 2.4, fill=(60, 110, 170))
        cv.text(17, y - 0.3, v, 3.0, fill=blue)
        y += 7.2
    cv.text(17, y - 2.6, "100号", 3.0, fill=blue)
    cv.text(6, 45, "公民身份号码", 2.4, fill=(60, 110, 170))
    cv.text(26, 44.4, "11010519491231002X", 3.6, fill=blue)
    cv.photo(57, 7, 80, 36, (232, 236, 240))
    # rounded card corners are a few tenths of a millimetre off a rectangle; a thin edge line
    cv.rect(0.1, 0.1, w - 0.1, h - 0.1, 0.25, outline=(180, 196, 206))
    return FlatDocument(Layout.ID_CARD, cv.finish(), (w, h))


def _form() -> FlatDocument:
    w, h = 210.0, 297.0
    cv = _Canvas(w, h, (252, 252, 252))
    cv.text(w / 2, 16, "城乡居民基本养老保险待遇领取资格认证申请表", 5.6, anchor="ma")
    cv.text(22, 30, "填表日期：2024 年 4 月 8 日", 3.6)
    cols = [38.0, 58.0, 30.0, 40.0]
    x0, y0, row = 22.0, 38.0, 11.0
    cv.grid(x0, y0, cols, row, 12, 0.35)
    labels = [("申请人姓名", "张三", "性别", "男"), ("公民身份号码", "11010519491231002X", "民族", "汉"),
              ("联系电话", "138****0000", "出生日期", "1949.12.31"), ("户籍地址", "上海市黄浦区", "", ""),
              ("现居住地址", "上海市黄浦区中山东一路", "", ""), ("参保地", "上海市", "参保类型", "城乡居民"),
              ("开户银行", "某某银行黄浦支行", "", ""), ("认证方式", "", "", ""),
              ("代办人姓名", "", "与申请人关系", ""), ("代办人证件号", "", "", ""), ("备注", "", "", ""),
              ("申请人签字", "", "日期", "")]
    for r, (a, b, c, d) in enumerate(labels):
        y = y0 + r * row + 3.3
        cv.text(x0 + 2, y, a, 3.6)
        cv.text(x0 + cols[0] + 2, y, b, 3.8)
        cv.text(x0 + cols[0] + cols[1] + 2, y, c, 3.2 if len(c) < 5 else 2.6)
        cv.text(x0 + sum(cols[:3]) + 2, y, d, 3.8)
    # check boxes on the 认证方式 row
    y = y0 + 7 * row + 3
    for i, label in enumerate(["自助终端刷脸", "社区上门", "窗口办理"]):
        x = x0 + cols[0] + 2 + i * 40
        cv.rect(x, y, x + 4, y + 4, 0.3)
        cv.text(x + 6, y + 0.3, label, 3.4)
    cv.line(x0 + cols[0] + 2.8, y + 2, x0 + cols[0] + 3.6, y + 3.4, 0.5)
    cv.line(x0 + cols[0] + 3.6, y + 3.4, x0 + cols[0] + 5.2, y - 0.4, 0.5)
    y = y0 + 12 * row + 10
    y = cv.paragraph(22, y, w - 44, "本人承诺以上所填信息真实有效，如有虚假，愿承担相应法律责任。"
                     "领取待遇期间如有死亡、服刑等情形，家属应及时告知经办机构。", 3.8)
    cv.text(22, y + 8, "经办机构意见：", 3.8)
    cv.text(130, y + 40, "经办人：", 3.8)
    return FlatDocument(Layout.FORM, cv.finish(), (w, h))


_BUILDERS: dict[Layout, Callable[[], FlatDocument]] = {
    Layout.HUKOU: _hukou, Layout.MARRIAGE: _marriage, Layout.RENTAL: _rental,
    Layout.ID_CARD: _id_card, Layout.FORM: _form,
}


@functools.lru_cache(maxsize=len(Layout))
def render(layout: Layout) -> FlatDocument:
    """The flat document (cached: layouts are fixed)."""
    doc = _BUILDERS[Layout(layout)]()
    doc.image_bgr.setflags(write=False)
    return doc
