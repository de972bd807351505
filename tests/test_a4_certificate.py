"""A4 certificates: Chinese font embedded, QR readable, page numbers, size, bad data."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import cv2
import pytest

from kiosk.devices.a4 import TemplateError, list_templates, load_template, render_certificate

REF = "VR2026112200042"
URL = f"https://gov-platform.example.invalid/verify/{REF}"


def render(template_id: str, data: object | None = None) -> bytes:
    tpl = load_template(template_id)
    return render_certificate(template_id, data if data is not None else tpl.sample, reference=REF,  # type: ignore[arg-type]
                              verify_url=URL, issuer="演示支行", issued_at=datetime(2026, 11, 22, 10, 0))


def test_at_least_three_templates() -> None:
    assert {"social_insurance_payment", "insurance_enrollment", "real_estate_query",
            "no_criminal_record"} <= set(list_templates())


@pytest.mark.parametrize("template_id", list_templates())
def test_certificate_embeds_cjk_font_and_carries_qr_and_page_numbers(tmp_path: Path, template_id: str) -> None:
    pdf = render(template_id)
    assert pdf.startswith(b"%PDF") and len(pdf) <= 200_000
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "ZenHei" in line or "UMing" in line]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), f"CJK font not embedded:\n{fonts}"  # emb column
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    tpl = load_template(template_id)
    assert tpl.title in text.replace(" ", "")
    assert "第1页/共1页" in text.replace(" ", "")
    assert REF in text
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
                   check=True)
    page = cv2.imread(str(tmp_path / "p-1.png"))
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(page)
    assert decoded == URL


def test_long_table_runs_over_pages_with_numbers(tmp_path: Path) -> None:
    data = dict(load_template("social_insurance_payment").sample)
    data["months"] = data["months"] * 6  # 72 months
    path = tmp_path / "long.pdf"
    path.write_bytes(render("social_insurance_payment", data))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace(" ", "")
    numbers = [int(n) for n in re.findall(r"第(\d+)页/共\d+页", flat)]
    pages = len(numbers)
    assert pages >= 2 and numbers == list(range(1, pages + 1))
    assert f"第{pages}页/共{pages}页" in flat
    assert "合计" in text and "47,520.00" in text  # 72 x 640/680 summed


def test_missing_field_is_a_clear_error() -> None:
    data = dict(load_template("no_criminal_record").sample)
    del data["purpose"]
    with pytest.raises(TemplateError, match="purpose"):
        render("no_criminal_record", data)


def test_bad_amount_is_a_clear_error() -> None:
    data = dict(load_template("social_insurance_payment").sample)
    data["months"] = [dict(data["months"][0], employee="abc")]
    with pytest.raises(TemplateError, match="not a number"):
        render("social_insurance_payment", data)


def test_unknown_template() -> None:
    with pytest.raises(TemplateError, match="no certificate template"):
        render("does_not_exist", {})


def test_template_key_under_the_wrong_table_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('id = "bad"\ntitle = "x"\n[table]\nrows = "r"\nclosing = ["x"]\n',
                                       encoding="utf-8")
    with pytest.raises(TemplateError, match="closing"):
        load_template("bad", tmp_path)
