"""Realistic demo data: people, their cases, social-insurance rows, licences, halls and slots.

The demo people are fictitious; their ID numbers carry valid GB 11643 check digits so the kiosk's
validation accepts them. Everything is seeded once, into an empty database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from platform_server.db import Case, CertificateRow, Hall, Licence, Person, Slot

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def with_check_digit(first17: str) -> str:
    """Append the GB 11643 check character to 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + _CHECK[total % 11]


# (name, first 17 digits, employer) — fictitious people for the demo journeys.
DEMO_PEOPLE: list[tuple[str, str, str]] = [
    ("张伟", "11010119850312123", "北京华信科技有限公司"),
    ("王秀英", "31010419520618202", "上海市徐汇区退休人员"),
    ("李娜", "44030519900101342", "深圳前海数据服务有限公司"),
    ("刘洋", "51010719781125461", "成都天府软件园运营有限公司"),
    ("陈建国", "33010619491001007", "杭州市西湖区退休人员"),
    # The ID-card simulator's resident-card test people (assets/testdata/idcard_people.toml), so a
    # card inserted from the demo's dev dock finds cases, certificates and licences here.
    ("张测试", "13010219880516001", "石家庄市长安区建筑工程有限公司"),
    ("李样例", "31010419921103002", "上海市徐汇区商贸有限公司"),
    ("王演示", "31010119550228013", "上海市黄浦区退休人员"),
    ("赵模拟", "44010619750909024", "广州市天河区物流有限公司"),
    # The virtual social-security cards' holders (kiosk/devices/smartcard/vcard/catalogue.py).
    ("测试甲", "31010419580312002", "上海市徐汇区退休人员"),
    ("测试乙", "31011519670405004", "上海市浦东新区制造有限公司"),
    ("测试丙", "31010619800101003", "上海市静安区服务有限公司"),
]

HALLS = [
    ("H310104", "上海市徐汇区行政服务中心", "上海市徐汇区南宁路969号", "310104"),
    ("H110101", "北京市东城区政务服务中心", "北京市东城区朝阳门北大街8号", "110101"),
    ("H440305", "深圳市南山区政务服务中心", "深圳市南山区南头街道南山大道2072号", "440305"),
    ("H510107", "成都市武侯区政务服务中心", "成都市武侯区武侯大道铁佛段1号", "510107"),
]

SLOT_TIMES = [("09:00", "09:30"), ("09:30", "10:00"), ("10:00", "10:30"), ("10:30", "11:00"),
              ("11:00", "11:30"), ("13:30", "14:00"), ("14:00", "14:30"), ("14:30", "15:00"),
              ("15:00", "15:30"), ("15:30", "16:00"), ("16:00", "16:30")]


def demo_id_numbers() -> list[str]:
    return [with_check_digit(p[1]) for p in DEMO_PEOPLE]


def seed(session: Session, today: date | None = None) -> None:
    if session.query(Person).first() is not None:
        return
    today = today or date.today()
    now = datetime.now()
    for idx, (name, first17, employer) in enumerate(DEMO_PEOPLE):
        id_number = with_check_digit(first17)
        session.add(Person(id_number=id_number, name=name))
        _seed_cases(session, idx, id_number, now)
        _seed_social_insurance(session, id_number, employer, today)
        _seed_licences(session, idx, id_number, name)
    for hall_id, hname, address, region in HALLS:
        session.add(Hall(hall_id=hall_id, name=hname, address=address, region_code=region))
        for day in range(1, 15):
            d = today + timedelta(days=day)
            if d.weekday() >= 5:  # halls are closed at weekends
                continue
            for start, end in SLOT_TIMES:
                session.add(Slot(slot_id=f"{hall_id}-{d:%Y%m%d}-{start.replace(':', '')}",
                                 hall_id=hall_id, date=d.isoformat(), start=start, end=end,
                                 capacity=3, booked=0))
    session.commit()


_CASE_TEMPLATES = [
    ("shebao_jiaofei_zhengming", "社会保险个人参保缴费证明", "已办结", "人力资源和社会保障局"),
    ("gongjijin_tiqu", "住房公积金提取", "审核中", "住房公积金管理中心"),
    ("jumin_juzhuzheng", "居住证办理", "已受理", "公安局人口管理处"),
]


def _seed_cases(session: Session, idx: int, id_number: str, now: datetime) -> None:
    for n, (item_id, title, status, dept) in enumerate(_CASE_TEMPLATES[: 1 + idx % 3]):
        submitted = now - timedelta(days=10 + 7 * n + idx)
        history = [{"time": submitted.isoformat(timespec="seconds"), "status": "已受理"}]
        if status != "已受理":
            history.append({"time": (submitted + timedelta(days=2)).isoformat(timespec="seconds"),
                            "status": "审核中"})
        if status == "已办结":
            history.append({"time": (submitted + timedelta(days=5)).isoformat(timespec="seconds"),
                            "status": "已办结"})
        session.add(Case(case_number=f"ZW{submitted:%Y%m%d}{idx:02d}{n:04d}", id_number=id_number,
                         item_id=item_id, item_title=title, status=status, department=dept,
                         submitted_at=submitted, updated_at=submitted, history=history))


def _seed_social_insurance(session: Session, id_number: str, employer: str, today: date) -> None:
    base = 6000 + int(id_number[-5:-1]) % 9000
    year, month = today.year, today.month
    for _ in range(36):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        pension = round(base * 0.08, 2)
        session.add(CertificateRow(kind="shebao_jiaofei", id_number=id_number,
                                   period=f"{year:04d}-{month:02d}",
                                   fields={"employer": employer, "base": base,
                                           "pension_personal": pension,
                                           "pension_employer": round(base * 0.16, 2),
                                           "medical_personal": round(base * 0.02, 2),
                                           "unemployment_personal": round(base * 0.005, 2),
                                           "status": "已缴"}))


def _seed_licences(session: Session, idx: int, id_number: str, name: str) -> None:
    session.add(Licence(id_number=id_number, licence_type="jumin_shenfenzheng",
                        title="居民身份证电子证照", number=id_number[:6] + "E" + id_number[-6:],
                        issuer="公安部", valid_from="2020-05-01", valid_to="2040-05-01",
                        fields={"name": name}))
    if idx % 2 == 0:
        session.add(Licence(id_number=id_number, licence_type="jiashizheng",
                            title="机动车驾驶证电子证照", number=id_number,
                            issuer="公安局交通警察支队", valid_from="2019-03-15",
                            valid_to="2029-03-15", fields={"class": "C1", "name": name}))
    if idx % 3 == 1:
        session.add(Licence(id_number=id_number, licence_type="hukouben",
                            title="居民户口簿电子证照", number=f"HK{id_number[:6]}{idx:06d}",
                            issuer="公安局", valid_from="2015-01-01", valid_to="长期",
                            fields={"name": name, "relation": "户主"}))
