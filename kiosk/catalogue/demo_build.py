"""Writes the bundled demo catalogue (assets/catalogue/demo_catalogue.json).

The kiosk reads only the JSON; this module is the readable source it is built from, so the
demo's ~200 items stay consistent (shared field definitions, the same cross-province item set
for each province). Run: ``python -m kiosk.catalogue.demo_build``.
Item names follow real 政务服务 catalogues; the kiosk stands in Shanghai (310000).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT

Json = dict[str, Any]
OUT = PROJECT_ROOT / "assets" / "catalogue" / "demo_catalogue.json"
VERSION = "2026.11.20-demo.1"
HOME = "310000"  # Shanghai


def t(zh: str, en: str) -> Json:
    return {"zh_CN": zh, "en_US": en}


CATEGORIES = [
    ("social_security", "社会保障", "Social security", 2.0),
    ("medical_insurance", "医疗保障", "Medical insurance", 1.0),
    ("housing_fund", "住房公积金", "Housing provident fund", 1.0),
    ("household_registration", "户籍办理", "Household registration", 0.5),
    ("exit_entry", "出入境", "Exit and entry", 0.5),
    ("traffic", "交管服务", "Traffic management", 0.5),
    ("tax", "税务服务", "Tax services", 0.5),
    ("utilities", "公共事业", "Public utilities", 0.5),
    ("civil_affairs", "民政服务", "Civil affairs", 0.0),
    ("archives", "档案证明", "Records and certificates", 0.0),
    ("real_estate", "不动产", "Real estate", 0.0),
    ("enterprise", "企业服务", "Business services", 0.0),
]

# ---- shared form fields (one definition each, so themes can ask them once) ----------------

def f_phone(fid: str = "phone") -> Json:
    return {"id": fid, "label": t("联系电话", "Mobile phone number"), "type": "phone",
            "messages": {"required": t("请输入11位手机号码", "Enter your 11-digit mobile number"),
                         "format": t("请输入11位手机号码，例如13812345678",
                                     "Enter an 11-digit mobile number, like 13812345678")}}


def f_name() -> Json:
    return {"id": "applicant_name", "label": t("申请人姓名", "Applicant's name"), "type": "text",
            "prefill": "name", "max_length": 30}


def f_idno() -> Json:
    return {"id": "applicant_id_number", "label": t("公民身份号码", "Resident ID number"),
            "type": "id_number", "prefill": "id_number"}


def f_address(fid: str = "contact_address", zh: str = "联系地址", en: str = "Contact address",
              prefill: bool = False, required: bool = True) -> Json:
    d: Json = {"id": fid, "label": t(zh, en), "type": "address", "min_length": 5,
               "max_length": 100, "required": required,
               "messages": {"required": t(f"请输入{zh}，写到门牌号", f"Enter the {en.lower()}, "
                                          "including the house number")}}
    if prefill:
        d["prefill"] = "address"
    return d


def f_choice(fid: str, zh: str, en: str, options: list[tuple[str, str, str]]) -> Json:
    return {"id": fid, "label": t(zh, en), "type": "choice",
            "choices": [{"value": v, "label": t(z, e)} for v, z, e in options],
            "messages": {"required": t(f"请选择{zh}", f"Choose the {en.lower()}")}}


def f_text(fid: str, zh: str, en: str, max_length: int = 50, min_length: int | None = None,
           regex: str | None = None, fmt: tuple[str, str] | None = None,
           required: bool = True) -> Json:
    d: Json = {"id": fid, "label": t(zh, en), "type": "text", "max_length": max_length,
               "required": required}
    if min_length is not None:
        d["min_length"] = min_length
    if regex:
        d["regex"] = regex
    if fmt:
        d["messages"] = {"format": t(*fmt)}
    return d


def f_date(fid: str, zh: str, en: str) -> Json:
    return {"id": fid, "label": t(zh, en), "type": "date",
            "hint": t("例如 2024-03-15", "For example 2024-03-15")}


def f_number(fid: str, zh: str, en: str, lo: float, hi: float) -> Json:
    return {"id": fid, "label": t(zh, en), "type": "number", "min_value": lo, "max_value": hi}


def f_bank_card() -> Json:
    return f_text("bank_account", "本人银行卡号", "Your bank card number", max_length=19,
                  min_length=16, regex=r"^\d{16,19}$",
                  fmt=("请输入16到19位银行卡号，只填数字", "Enter the 16 to 19 digits of the card"))


def f_delivery() -> Json:
    return f_choice("delivery", "领取方式", "How to collect",
                    [("counter", "到窗口领取", "Collect at the counter"),
                     ("post", "邮寄到家", "Send by post")])


# ---- shared materials --------------------------------------------------------------------

def m_cam(mid: str, zh: str, en: str, doc: str, required: bool = True, pages: int = 1) -> Json:
    return {"id": mid, "name": t(zh, en), "source": "document_camera", "document_type": doc,
            "required": required, "pages": pages}


def m_lic(mid: str, zh: str, en: str, lic: str, fallback_doc: str | None = None,
          required: bool = True) -> Json:
    d: Json = {"id": mid, "name": t(zh, en), "source": "electronic_licence", "licence_type": lic,
               "required": required}
    if fallback_doc:
        d["document_type"] = fallback_doc
    return d


M_HUKOU = ("household_register", "居民户口簿", "Household register", "household_register")
M_MARRIAGE = ("marriage_certificate", "结婚证", "Marriage certificate", "marriage_certificate")
M_BIRTH = ("birth_certificate", "出生医学证明", "Medical birth certificate", "birth_certificate")
M_LICENCE_BIZ = ("business_licence", "营业执照", "Business licence", "business_licence")


def lic(m: tuple[str, str, str, str], required: bool = True) -> Json:
    return m_lic(m[0], m[1], m[2], m[3], fallback_doc=m[3], required=required)


# ---- items -----------------------------------------------------------------------------

def region(code: str | None) -> Json:
    if code is None:
        return {"level": "national"}
    return {"level": "province" if code.endswith("0000") else "city", "code": code}


def item(iid: str, zh: str, en: str, cat: str, kind: str, code: str | None = HOME,
         cross: bool = False, ident: tuple[str, ...] = ("id_card",), form: list[Json] | None = None,
         materials: list[Json] | None = None, online_only: bool = False, **extra: Any) -> Json:
    d: Json = {"id": iid, "name": t(zh, en), "category": cat, "kind": kind,
               "region": region(code), "cross_province": cross,
               "identification": list(ident)}
    if form:
        d["form"] = form
    if materials:
        d["materials"] = materials
    if kind == "print":
        online_only = True
        d["print"] = {"receipt_template": "receipt.print",
                      "certificate_template": extra.pop("cert", f"cert.{iid.split('.')[-1]}")}
    if kind == "query" and "query_source" not in extra:
        extra["query_source"] = "platform_query"
        online_only = True
    d["online_only"] = online_only
    d.update(extra)
    return d


def prompt(zh: str, en: str) -> Json:
    return t(zh, en)


def local_items() -> list[Json]:
    sb, yb, gjj = "social_security", "medical_insurance", "housing_fund"
    hj, crj, jg, sw = "household_registration", "exit_entry", "traffic", "tax"
    gy, mz, da, bdc, qy = "utilities", "civil_affairs", "archives", "real_estate", "enterprise"
    ssc = ("social_security_card", "id_card")
    ph = f_phone()
    items = [
        # 社会保障 — journeys 1, 3, 4
        item("sh.sb.jfzm", "社保缴费证明打印", "Print social insurance payment certificate", sb,
             "print", keywords=["社保证明", "缴费证明", "参保缴费"],
             cert="cert.social_insurance_payment",
             voice_prompt=prompt("请核对您的参保缴费信息，确认后点击打印",
                                 "Check your payment record, then tap Print")),
        item("sh.sb.cbzm", "个人参保证明打印", "Print personal insurance enrolment certificate", sb,
             "print", cert="cert.social_insurance_enrolment", keywords=["参保证明"]),
        item("sh.sb.cbcx", "个人参保证明查询", "Check personal insurance enrolment", sb, "query"),
        item("sh.sb.jfcx", "社保缴费记录查询", "Check social insurance payment record", sb, "query",
             keywords=["社保查询"]),
        item("sh.sb.ylzh", "养老保险个人账户查询", "Check pension insurance account", sb, "query",
             tags=["pension"]),
        item("sh.sb.dycx", "养老金发放记录查询", "Check pension payments", sb, "query",
             tags=["pension"]),
        item("sh.sb.zgrz", "养老待遇领取资格认证", "Pension entitlement certification", sb, "apply",
             ident=("id_card", "social_security_card"), face_verification=True, tags=["pension"],
             keywords=["生存认证", "年审", "刷脸认证"],
             voice_prompt=prompt("请正对摄像头，保持不动", "Look at the camera and keep still"),
             next_steps=t("认证结果会在1个工作日内更新，养老金照常发放",
                          "The result is updated within 1 working day; your pension continues")),
        item("sh.sb.zy", "社会保险关系转移申请", "Transfer social insurance records", sb, "apply",
             form=[ph, f_choice("insurance_type", "转移险种", "Insurance to transfer",
                                [("pension", "职工养老保险", "Employee pension"),
                                 ("medical", "职工医疗保险", "Employee medical insurance"),
                                 ("unemployment", "失业保险", "Unemployment insurance")]),
                   f_address("new_address", "转入地详细地址", "Address in the new place")],
             processing_days=15),
        item("sh.sb.ssk.gs", "社保卡挂失", "Report a lost social security card", sb, "apply",
             ident=("social_security_card", "id_card"),
             form=[ph, f_choice("loss_reason", "挂失原因", "Why you report it",
                                [("lost", "遗失", "Lost"), ("stolen", "被盗", "Stolen"),
                                 ("damaged", "损坏", "Damaged")])],
             online_only=True, keywords=["社保卡丢了", "补卡"],
             next_steps=t("挂失立即生效。补办新卡请选择“社保卡补换”",
                          "The card is blocked now. To get a new card choose 'Replace card'")),
        item("sh.sb.ssk.jh", "社保卡激活", "Activate a social security card", sb, "apply",
             ident=("social_security_card",), form=[ph], online_only=True,
             voice_prompt=prompt("请插入您的社保卡", "Insert your social security card")),
        item("sh.sb.ssk.bh", "社保卡补换", "Replace a social security card", sb, "apply",
             ident=ssc, form=[ph, f_delivery(), f_address(required=False)],
             materials=[m_cam("photo", "本人近期免冠照片", "Recent passport photo", "id_photo")],
             processing_days=10),
        item("sh.sb.ssk.sl", "社保卡申领", "Apply for a social security card", sb, "apply",
             form=[ph, f_delivery()], processing_days=10),
        item("sh.sb.ssk.jd", "社保卡临时挂失解除", "Cancel a temporary card loss report", sb,
             "apply", ident=ssc, form=[ph], online_only=True),
        item("sh.sb.sybx", "失业保险金申领", "Claim unemployment benefit", sb, "apply",
             form=[ph, f_bank_card(), f_date("leave_date", "离职日期", "Date you left your job"),
                   f_text("last_employer", "原工作单位", "Last employer", max_length=60)],
             materials=[m_cam("termination", "解除劳动合同证明", "Proof of contract end",
                              "termination_notice")], processing_days=5),
        item("sh.sb.gsdj", "工伤保险待遇申请", "Claim work-injury benefits", sb, "apply",
             form=[ph, f_date("injury_date", "受伤日期", "Date of injury"),
                   f_text("employer", "用人单位名称", "Employer", max_length=60)],
             materials=[m_cam("injury_decision", "工伤认定决定书", "Work-injury decision",
                              "injury_decision"),
                        m_cam("medical_record", "病历资料", "Medical records", "medical_record",
                              pages=3)], processing_days=20),
        item("sh.sb.lxry", "灵活就业人员参保登记", "Register as a flexible worker", sb, "apply",
             form=[ph, f_address()]),
        item("sh.sb.cxjm", "城乡居民养老保险参保登记", "Enrol in residents' pension insurance",
             sb, "apply", form=[ph, f_address(), f_bank_card()], tags=["pension"]),
        item("sh.sb.txsp", "退休申请", "Apply for retirement", sb, "apply",
             form=[ph, f_bank_card()], tags=["pension"], processing_days=20),
        item("sh.sb.jyzm", "就业失业登记证明打印", "Print employment registration", sb, "print",
             cert="cert.employment_registration"),
        # 医疗保障
        item("sh.yb.ydba", "异地就医备案", "Register for medical care in another province", yb,
             "apply", ident=ssc,
             form=[ph, f_choice("settle_reason", "备案类型", "Why you are registering",
                                [("retired", "异地安置退休", "Retired elsewhere"),
                                 ("resident", "异地长期居住", "Living elsewhere"),
                                 ("worker", "常驻异地工作", "Working elsewhere"),
                                 ("referral", "转诊就医", "Hospital referral")]),
                   f_text("destination", "就医地", "Where you will be treated", max_length=40),
                   f_date("start_date", "备案开始日期", "Start date")],
             online_only=True, keywords=["跨省就医", "异地医保"]),
        item("sh.yb.zyjx", "医保关系转移接续", "Transfer medical insurance records", yb, "apply",
             form=[ph, f_address("new_address", "转入地详细地址", "Address in the new place")],
             processing_days=15),
        item("sh.yb.cbdj", "城乡居民医保参保登记", "Enrol in residents' medical insurance", yb,
             "apply", form=[ph, f_address()]),
        item("sh.yb.jfcx", "医保缴费查询", "Check medical insurance payments", yb, "query"),
        item("sh.yb.zhcx", "医保个人账户余额查询", "Check medical account balance", yb, "query",
             ident=ssc),
        item("sh.yb.cbpz", "医保参保凭证打印", "Print medical insurance enrolment", yb, "print",
             cert="cert.medical_enrolment"),
        item("sh.yb.mtb", "门诊慢特病待遇认定", "Chronic illness outpatient benefit", yb, "apply",
             form=[ph, f_text("disease", "病种名称", "Illness", max_length=40)],
             materials=[m_cam("diagnosis", "诊断证明", "Diagnosis", "medical_record", pages=2)],
             processing_days=10),
        item("sh.yb.sybx", "生育津贴申领", "Claim maternity allowance", yb, "apply",
             form=[ph, f_bank_card(), f_date("birth_date_child", "分娩日期", "Date of birth")],
             materials=[lic(M_BIRTH)], processing_days=10),
        # 住房公积金
        item("sh.gjj.jczm", "住房公积金缴存证明", "Print housing fund contribution certificate",
             gjj, "print", cert="cert.housing_fund_contribution", keywords=["公积金证明"]),
        item("sh.gjj.tq", "公积金提取", "Withdraw from housing fund", gjj, "apply",
             form=[ph, f_choice("withdraw_reason", "提取原因", "Why you are withdrawing",
                                [("rent", "租房", "Rent"), ("buy", "购房", "Buying a home"),
                                 ("retire", "退休", "Retirement"),
                                 ("repay", "偿还贷款", "Repaying a loan")]),
                   f_number("amount", "提取金额（元）", "Amount (yuan)", 1, 1_000_000),
                   f_bank_card()],
             online_only=True, keywords=["公积金取钱"], processing_days=3),
        item("sh.gjj.cx", "公积金账户查询", "Check housing fund account", gjj, "query"),
        item("sh.gjj.dkcx", "公积金贷款查询", "Check housing fund loan", gjj, "query"),
        item("sh.gjj.zy", "公积金异地转移接续", "Transfer housing fund to another city", gjj,
             "apply", form=[ph, f_text("new_city", "转入城市", "City to move to", max_length=20)],
             processing_days=15),
        item("sh.gjj.dkzm", "公积金贷款结清证明打印", "Print housing fund loan clearance", gjj,
             "print", cert="cert.housing_loan_clearance"),
        item("sh.gjj.yy", "公积金业务预约", "Book a housing fund appointment", gjj, "appointment",
             form=[ph]),
        # 户籍办理 — journey 5
        item("sh.hj.sfzbl", "居民身份证补领", "Replace a lost resident ID card", hj, "apply",
             ident=("social_security_card", "bank_card"), face_verification=True,
             form=[f_choice("replace_reason", "补领原因", "Why you need a new card",
                            [("lost", "遗失", "Lost"), ("stolen", "被盗", "Stolen")]),
                   ph, f_delivery(),
                   f_address("post_address", "邮寄地址", "Postal address", required=False)],
             materials=[m_cam("photo_receipt", "数码相片回执", "Digital photo receipt",
                              "photo_receipt"), lic(M_HUKOU)],
             processing_days=20, keywords=["身份证丢了", "补办身份证"],
             next_steps=t("新证约20个工作日制好，届时短信通知您领取。旧证已作废",
                          "The new card is ready in about 20 working days; we will text you. "
                          "The old card no longer works")),
        item("sh.hj.sfzhl", "居民身份证换领", "Renew a resident ID card", hj, "apply",
             form=[ph, f_delivery()],
             materials=[m_cam("photo_receipt", "数码相片回执", "Digital photo receipt",
                              "photo_receipt")], processing_days=20),
        item("sh.hj.lssfz", "临时居民身份证办理", "Temporary resident ID card", hj, "apply",
             ident=("social_security_card", "bank_card"), face_verification=True, form=[ph],
             processing_days=1),
        item("sh.hj.hkqy", "户口迁移", "Move household registration", hj, "apply",
             form=[ph, f_choice("move_reason", "迁移原因", "Why you are moving",
                                [("job", "工作调动", "New job"), ("marriage", "投靠配偶", "Joining spouse"),
                                 ("housing", "购房落户", "Bought a home"),
                                 ("study", "升学", "Study")]),
                   f_address("new_address", "迁入地址", "New address")],
             materials=[lic(M_HUKOU)], processing_days=10),
        item("sh.hj.jzz", "居住证申领", "Apply for a residence permit", hj, "apply",
             form=[ph, f_address("residence", "居住地址", "Where you live")],
             materials=[m_cam("lease", "租房合同或房产证", "Lease or property certificate",
                              "lease_contract", pages=2)], processing_days=15),
        item("sh.hj.jzzqz", "居住证签注", "Renew a residence permit", hj, "apply", form=[ph]),
        item("sh.hj.hjzm", "户籍证明开具", "Household registration certificate", hj, "print",
             cert="cert.household_registration"),
        item("sh.hj.sfzjd", "身份证办理进度查询", "Check ID card application progress", hj,
             "query"),
        # 出入境
        item("sh.crj.jdcx", "出入境证件办理进度查询", "Check passport/permit application progress",
             crj, "query", keywords=["护照进度"]),
        item("sh.crj.hz", "普通护照申请", "Apply for a passport", crj, "apply",
             form=[ph, f_delivery()], materials=[m_cam("photo_receipt", "数码相片回执",
                                                        "Digital photo receipt", "photo_receipt")],
             processing_days=7),
        item("sh.crj.gaqz", "往来港澳通行证再次签注", "Hong Kong/Macao permit endorsement", crj,
             "apply", form=[ph, f_choice("endorsement", "签注种类", "Endorsement type",
                                          [("g1", "团队旅游一次", "Group tour, once"),
                                           ("l1", "个人旅游一次", "Individual, once"),
                                           ("l2", "个人旅游二次", "Individual, twice")])],
             online_only=True),
        item("sh.crj.twqz", "往来台湾通行证签注", "Taiwan travel permit endorsement", crj, "apply",
             form=[ph], online_only=True),
        item("sh.crj.crjjl", "出入境记录查询", "Check exit and entry records", crj, "query"),
        item("sh.crj.yy", "出入境业务预约", "Book an exit-entry appointment", crj, "appointment",
             form=[ph]),
        # 交管服务
        item("sh.jg.jszbh", "驾驶证补换领", "Replace or renew a driving licence", jg, "apply",
             form=[ph, f_choice("licence_reason", "补换原因", "Why",
                                [("expired", "有效期满换证", "Expired"), ("lost", "遗失补证", "Lost"),
                                 ("damaged", "损毁换证", "Damaged")]), f_delivery(),
                   f_address("post_address", "邮寄地址", "Postal address", required=False)],
             materials=[m_cam("health", "身体条件证明", "Medical fitness form", "health_form")],
             processing_days=5, keywords=["换驾照"]),
        item("sh.jg.wfcx", "交通违法查询", "Check traffic violations", jg, "query"),
        item("sh.jg.wfcl", "交通违法处理", "Settle a traffic violation", jg, "apply",
             form=[ph, f_text("plate", "车牌号码", "Number plate", max_length=8, min_length=7,
                              regex=r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$",
                              fmt=("请输入完整车牌号码，例如沪A12345",
                                   "Enter the full plate, like 沪A12345"))], online_only=True),
        item("sh.jg.jfcx", "驾驶证记分查询", "Check driving licence points", jg, "query"),
        item("sh.jg.wczm", "无车辆登记证明", "Certificate of no registered vehicle", jg, "print",
             cert="cert.no_vehicle"),
        item("sh.jg.njyy", "机动车检验预约", "Book a vehicle inspection", jg, "appointment",
             form=[ph]),
        # 税务服务
        item("sh.sw.gsjl", "个人所得税纳税记录开具", "Print individual income tax record", sw,
             "print", code=None, cert="cert.income_tax_record", keywords=["完税证明", "个税证明"]),
        item("sh.sw.hsqj", "个人所得税综合所得汇算清缴", "Annual income tax reconciliation", sw,
             "apply", code=None, form=[ph, f_bank_card()], online_only=True),
        item("sh.sw.fpcx", "发票查验", "Check an invoice", sw, "query"),
        item("sh.sw.sbcx", "个人社保费缴纳查询", "Check social insurance fee payments", sw, "query"),
        item("sh.sw.cxjmjf", "城乡居民医保缴费", "Pay residents' medical insurance", sw, "apply",
             form=[ph], online_only=True),
        # 公共事业
        item("sh.gy.sdrq", "水电燃气缴费", "Pay water, power and gas bills", gy, "apply",
             form=[f_choice("utility", "缴费类型", "Bill type",
                            [("water", "水费", "Water"), ("power", "电费", "Electricity"),
                             ("gas", "燃气费", "Gas")]),
                   f_text("account_no", "缴费户号", "Account number", max_length=20, min_length=6,
                          regex=r"^\d{6,20}$",
                          fmt=("请输入账单上的6到20位户号", "Enter the 6 to 20 digit account number "
                               "printed on the bill"))],
             online_only=True, keywords=["交电费", "交水费"]),
        item("sh.gy.dfcx", "电费账单查询", "Check electricity bills", gy, "query"),
        item("sh.gy.sfcx", "水费账单查询", "Check water bills", gy, "query"),
        item("sh.gy.rqgh", "燃气过户", "Transfer a gas account", gy, "apply",
             form=[ph, f_text("account_no", "缴费户号", "Account number", max_length=20,
                              min_length=6, regex=r"^\d{6,20}$",
                              fmt=("请输入账单上的6到20位户号", "Enter the 6 to 20 digit account "
                                   "number printed on the bill"))],
             materials=[m_cam("deed", "房产证", "Property certificate", "property_certificate")]),
        item("sh.gy.dhjf", "固定电话缴费", "Pay a landline bill", gy, "apply",
             form=[f_text("landline", "固定电话号码", "Landline number", max_length=12,
                          min_length=8, regex=r"^0?\d{7,11}$",
                          fmt=("请输入8位固定电话号码", "Enter the 8-digit landline number"))],
             online_only=True),
        # 民政服务 — journey 7
        item("sh.mz.hyyy", "婚姻登记预约", "Book a marriage registration", mz, "appointment",
             form=[ph, f_choice("marriage_type", "登记类型", "Registration type",
                                [("marry", "结婚登记", "Marriage"), ("divorce", "离婚登记", "Divorce"),
                                 ("replace", "补领婚姻登记证", "Replace certificate")])],
             keywords=["结婚预约", "领证"],
             voice_prompt=prompt("请选择办理地点和时间", "Choose a place and a time")),
        item("sh.mz.hydj", "婚姻登记记录证明", "Marriage registration record", mz, "print",
             cert="cert.marriage_record"),
        item("sh.mz.dbsq", "最低生活保障申请", "Apply for minimum living allowance", mz, "apply",
             form=[ph, f_number("household_size", "家庭人口数", "People in the household", 1, 20),
                   f_number("monthly_income", "家庭月收入（元）", "Household monthly income (yuan)",
                            0, 1_000_000), f_address()],
             materials=[lic(M_HUKOU), m_cam("income_proof", "收入证明", "Proof of income",
                                            "income_proof", pages=2)], processing_days=30),
        item("sh.mz.gnbt", "高龄津贴申领", "Claim the old-age allowance", mz, "apply",
             form=[ph, f_bank_card()], tags=["pension"], processing_days=15),
        item("sh.mz.cjrbt", "残疾人两项补贴申请", "Apply for disability allowances", mz, "apply",
             form=[ph, f_bank_card()], materials=[lic(("disability_card", "残疾人证",
                                                          "Disability card", "disability_card"))]),
        item("sh.mz.ylfw", "养老服务补贴申请", "Apply for elderly care subsidy", mz, "apply",
             form=[ph, f_address()], tags=["pension"]),
        # 档案证明
        item("sh.da.wfzjl", "无犯罪记录证明", "Certificate of no criminal record", da, "print",
             cert="cert.no_criminal_record", keywords=["无犯罪证明"]),
        item("sh.da.xlcx", "学历学位查询", "Check academic records", da, "query"),
        item("sh.da.dacx", "个人档案存放查询", "Find where your personnel file is kept", da,
             "query"),
        item("sh.da.qszm", "亲属关系证明", "Certificate of family relationship", da, "apply",
             form=[ph, f_text("relative_name", "亲属姓名", "Relative's name", max_length=30),
                   f_choice("relation", "关系", "Relationship",
                            [("parent", "父母", "Parent"), ("child", "子女", "Child"),
                             ("spouse", "配偶", "Spouse"), ("sibling", "兄弟姐妹", "Sibling")])],
             processing_days=5),
        item("sh.da.cszm", "出生证明补发", "Re-issue a birth certificate", da, "apply",
             form=[ph], processing_days=10),
        # 不动产
        item("sh.bdc.xxcx", "不动产登记信息查询", "Check real estate registration", bdc, "query",
             keywords=["房产查询", "查房产"]),
        item("sh.bdc.wfzm", "无房证明打印", "Print proof of owning no home", bdc, "print",
             cert="cert.no_property", keywords=["无房证明"]),
        item("sh.bdc.djzm", "不动产权属证明打印", "Print proof of property ownership", bdc,
             "print", cert="cert.property_ownership"),
        item("sh.bdc.dyzx", "不动产抵押注销登记", "Cancel a property mortgage", bdc, "apply",
             form=[ph, f_text("cert_no", "不动产权证号", "Property certificate number",
                              max_length=40)],
             materials=[m_cam("release", "抵押权人同意注销证明", "Lender's release letter",
                              "mortgage_release")], processing_days=5),
        item("sh.bdc.yy", "不动产登记预约", "Book a real estate registration", bdc,
             "appointment", form=[ph]),
        # 企业服务
        item("sh.qy.kb", "企业开办", "Start a business", qy, "apply",
             form=[ph, f_text("company_name", "企业名称", "Company name", max_length=60,
                              min_length=4),
                   f_address("company_address", "企业住所", "Registered address"),
                   f_number("capital", "注册资本（万元）", "Registered capital (10,000 yuan)", 1,
                            10_000_000)],
             processing_days=3, keywords=["开公司", "注册公司"]),
        item("sh.qy.xkz", "劳务派遣经营许可", "Labour dispatch business licence", qy, "apply",
             form=[ph, f_text("company_name", "企业名称", "Company name", max_length=60,
                              min_length=4),
                   f_address("company_address", "企业住所", "Registered address"),
                   f_number("capital", "注册资本（万元）", "Registered capital (10,000 yuan)", 1,
                            10_000_000)],
             materials=[lic(M_LICENCE_BIZ, required=False)], processing_days=20),
        item("sh.qy.sbdj", "单位社会保险登记", "Register an employer for social insurance", sb,
             "apply", form=[ph, f_text("company_name", "企业名称", "Company name", max_length=60,
                                       min_length=4),
                            f_address("company_address", "企业住所", "Registered address")],
             processing_days=1),
        item("sh.qy.gjjdj", "住房公积金单位缴存登记", "Register an employer for housing fund", gjj,
             "apply", form=[ph, f_text("company_name", "企业名称", "Company name", max_length=60,
                                       min_length=4),
                            f_address("company_address", "企业住所", "Registered address")],
             processing_days=1),
        item("sh.qy.xxgs", "企业信用信息查询", "Check company credit information", qy, "query"),
        item("sh.qy.zx", "企业简易注销", "Simplified company deregistration", qy, "apply",
             form=[ph, f_text("company_name", "企业名称", "Company name", max_length=60,
                              min_length=4)], processing_days=20),
        # 新生儿出生一件事 members
        item("sh.hj.xsrhk", "新生儿户口登记", "Register a newborn's household record", hj, "apply",
             form=[ph, f_text("baby_name", "新生儿姓名", "Baby's name", max_length=20),
                   f_date("baby_birth_date", "出生日期", "Baby's date of birth"),
                   f_choice("baby_sex", "新生儿性别", "Baby's sex",
                            [("M", "男", "Boy"), ("F", "女", "Girl")])],
             materials=[lic(M_BIRTH), lic(M_HUKOU), lic(M_MARRIAGE)], processing_days=5),
        item("sh.yb.xsrcb", "新生儿城乡居民医保参保登记", "Enrol a newborn in medical insurance", yb,
             "apply", form=[ph, f_text("baby_name", "新生儿姓名", "Baby's name", max_length=20),
                            f_date("baby_birth_date", "出生日期", "Baby's date of birth")],
             materials=[lic(M_BIRTH)], processing_days=3),
        item("sh.sb.xsrssk", "新生儿社保卡申领", "Apply for a newborn's social security card", sb,
             "apply", form=[ph, f_text("baby_name", "新生儿姓名", "Baby's name", max_length=20),
                            f_choice("baby_sex", "新生儿性别", "Baby's sex",
                                     [("M", "男", "Boy"), ("F", "女", "Girl")]), f_delivery()],
             materials=[lic(M_BIRTH)], processing_days=10),
        item("sh.wj.yfjz", "预防接种证办理", "Vaccination certificate for a newborn", mz, "apply",
             form=[ph, f_text("baby_name", "新生儿姓名", "Baby's name", max_length=20),
                   f_date("baby_birth_date", "出生日期", "Baby's date of birth")],
             materials=[lic(M_BIRTH)], processing_days=1),
        # 办件查询 — journey 6
        item("sh.bj.cx", "办件查询", "Check application progress", da, "query",
             ident=("id_card", "reference_number"), query_source="case_status",
             keywords=["进度查询", "查进度"], online_only=False,
             voice_prompt=prompt("请放身份证，或输入回执上的受理编号",
                                 "Place your ID card, or enter the number on your receipt")),
    ]
    return items


# Cross-province (跨省通办) items each province offers citizens living elsewhere.
CROSS_PROVINCES = [
    ("130000", "he", "河北省", "Hebei"), ("230000", "hl", "黑龙江省", "Heilongjiang"),
    ("510000", "sc", "四川省", "Sichuan"), ("370000", "sd", "山东省", "Shandong"),
    ("460000", "hi", "海南省", "Hainan"), ("140000", "sx", "山西省", "Shanxi"),
]


def cross_items() -> list[Json]:
    out = []
    for code, p, zh_p, en_p in CROSS_PROVINCES:
        kw = [zh_p, zh_p[:2], "跨省通办"]
        ph = f_phone()

        def x(suffix: str, zh: str, en: str, cat: str, kind: str, *, p: str = p,
              code: str = code, zh_p: str = zh_p, en_p: str = en_p, kw: list[str] = kw,
              **kw2: Any) -> Json:
            keywords = kw + kw2.pop("keywords", [])
            return item(f"{p}.{suffix}", zh, f"{en} ({en_p})", cat, kind, code=code, cross=True,
                        keywords=keywords, department=t(f"{zh_p}人力资源和社会保障厅",
                                                        f"{en_p} Human Resources and Social "
                                                        "Security Department")
                        if cat == "social_security" else None, **kw2)

        items = [
            x("sb.zy", "社会保险关系转移申请", "Transfer social insurance records",
              "social_security", "apply",
              form=[ph, f_choice("insurance_type", "转移险种", "Insurance to transfer",
                                 [("pension", "职工养老保险", "Employee pension"),
                                  ("medical", "职工医疗保险", "Employee medical insurance"),
                                  ("unemployment", "失业保险", "Unemployment insurance")]),
                    f_date("insured_since", "在外省参保起始日期", "Insured there since"),
                    f_text("employer", "现工作单位", "Current employer", max_length=60),
                    f_choice("transfer_reason", "转移原因", "Why you are transferring",
                             [("job", "工作调动", "Changed job"), ("home", "返回户籍地", "Moving home"),
                              ("retire", "办理退休", "Retiring")]),
                    f_address("new_address", "转入地详细地址", "Address in the new place")],
              materials=[m_lic("payment_record", "参保缴费凭证", "Proof of contributions",
                               "social_insurance_record", fallback_doc="payment_record")],
              processing_days=15,
              keywords=["社保转移", "社保转出"],
              next_steps=t(f"{zh_p}社保经办机构会在15个工作日内办理，结果以短信通知",
                           f"The {en_p} social insurance office handles it within 15 working "
                           "days and will text you")),
            x("sb.zgrz", "养老待遇领取资格认证", "Pension entitlement certification",
              "social_security", "apply", ident=("id_card", "social_security_card"),
              face_verification=True, tags=["pension"], keywords=["生存认证", "刷脸认证"],
              voice_prompt=prompt("请正对摄像头，保持不动", "Look at the camera and keep still"),
              next_steps=t("认证结果会在1个工作日内更新，养老金照常发放",
                           "The result is updated within 1 working day; your pension continues")),
            x("sb.jfzm", "社保缴费证明打印", "Print social insurance payment certificate",
              "social_security", "print", cert="cert.social_insurance_payment"),
            x("sb.cbcx", "个人参保证明查询", "Check personal insurance enrolment",
              "social_security", "query"),
            x("sb.ylj", "养老金发放记录查询", "Check pension payments", "social_security", "query",
              tags=["pension"]),
            x("sb.ssk.gs", "社保卡挂失", "Report a lost social security card", "social_security",
              "apply", ident=("social_security_card", "id_card"), online_only=True,
              form=[ph, f_choice("loss_reason", "挂失原因", "Why you report it",
                                 [("lost", "遗失", "Lost"), ("stolen", "被盗", "Stolen"),
                                  ("damaged", "损坏", "Damaged")])]),
            x("sb.sybx", "失业保险金申领", "Claim unemployment benefit", "social_security",
              "apply", form=[ph, f_bank_card()], processing_days=5),
            x("yb.ydba", "异地就医备案", "Register for medical care outside the province",
              "medical_insurance", "apply", online_only=True,
              form=[ph, f_choice("settle_reason", "备案类型", "Why you are registering",
                                 [("retired", "异地安置退休", "Retired elsewhere"),
                                  ("resident", "异地长期居住", "Living elsewhere"),
                                  ("worker", "常驻异地工作", "Working elsewhere"),
                                  ("referral", "转诊就医", "Hospital referral")])]),
            x("yb.zyjx", "医保关系转移接续", "Transfer medical insurance records",
              "medical_insurance", "apply", form=[ph], processing_days=15),
            x("gjj.jczm", "住房公积金缴存证明", "Print housing fund contribution certificate",
              "housing_fund", "print", cert="cert.housing_fund_contribution"),
            x("gjj.zy", "公积金异地转移接续", "Transfer housing fund", "housing_fund", "apply",
              form=[ph], processing_days=15),
            x("gjj.tq", "公积金提取", "Withdraw from housing fund", "housing_fund", "apply",
              form=[ph, f_bank_card()], online_only=True),
            x("hj.hkqr", "户口迁移（跨省迁入）", "Move household registration into the province",
              "household_registration", "apply", form=[ph, f_address("new_address", "迁入地址", "New address")],
              materials=[lic(M_HUKOU)], processing_days=10),
            x("hj.hjzm", "户籍证明开具", "Household registration certificate",
              "household_registration",
              "print", cert="cert.household_registration"),
        ]
        out.extend(items)
    return out


def themes() -> list[Json]:
    return [
        {"id": "theme.newborn", "name": t("新生儿出生一件事", "Having a baby: one application"),
         "category": "household_registration",
         "items": ["sh.hj.xsrhk", "sh.yb.xsrcb", "sh.sb.xsrssk", "sh.wj.yfjz"],
         "shared_fields": ["phone", "baby_name", "baby_birth_date", "baby_sex"],
         "voice_prompt": t("新生儿户口、医保、社保卡、预防接种证一次办好",
                           "Household record, medical insurance, card and vaccination in one go")},
        {"id": "theme.labour_company", "name": t("我要开劳务公司", "Opening a labour services company"),
         "category": "enterprise",
         "items": ["sh.qy.kb", "sh.qy.xkz", "sh.qy.sbdj", "sh.qy.gjjdj"],
         "shared_fields": ["phone", "company_name", "company_address", "capital"]},
        {"id": "theme.retire", "name": t("退休一件事", "Retiring: one application"),
         "category": "social_security",
         "items": ["sh.sb.txsp", "sh.gjj.tq"], "shared_fields": ["phone", "bank_account"]},
    ]


def build() -> Json:
    items = local_items() + cross_items()
    for it in items:
        for key in [k for k, v in it.items() if v is None]:
            del it[key]
    return {
        "schema_version": 1,
        "version": VERSION,
        "issued_at": "2026-11-20T08:00:00+08:00",
        "categories": [{"id": i, "name": t(z, e), "boost": b} for i, z, e, b in CATEGORIES],
        "items": items,
        "themes": themes(),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
