"""A large, valid catalogue for scale tests and benchmarks (10,000 items by default).

Names are real item names from the demo catalogue combined with city names and service
variants, so pinyin, initials and ranking behave as with a real branch catalogue (over 4,000
items per branch in the seeds). Deterministic for a given seed.
Run: ``python -m kiosk.catalogue.generate 10000 out.json``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from kiosk.catalogue import demo_build

CITIES = [
    ("石家庄", "Shijiazhuang", "130100"), ("唐山", "Tangshan", "130200"),
    ("哈尔滨", "Harbin", "230100"), ("齐齐哈尔", "Qiqihar", "230200"),
    ("成都", "Chengdu", "510100"), ("绵阳", "Mianyang", "510700"), ("济南", "Jinan", "370100"),
    ("青岛", "Qingdao", "370200"), ("海口", "Haikou", "460100"), ("三亚", "Sanya", "460200"),
    ("太原", "Taiyuan", "140100"), ("大同", "Datong", "140200"), ("南京", "Nanjing", "320100"),
    ("杭州", "Hangzhou", "330100"), ("合肥", "Hefei", "340100"), ("福州", "Fuzhou", "350100"),
    ("南昌", "Nanchang", "360100"), ("郑州", "Zhengzhou", "410100"), ("武汉", "Wuhan", "420100"),
    ("长沙", "Changsha", "430100"), ("广州", "Guangzhou", "440100"), ("重庆", "Chongqing", "500100"),
]
VARIANTS = [
    ("", ""), ("（个人）", " (individuals)"), ("（单位）", " (employers)"),
    ("（补办）", " (re-issue)"), ("（变更）", " (change)"), ("（注销）", " (cancel)"),
    ("（灵活就业）", " (flexible workers)"), ("（退役军人）", " (veterans)"),
]


def generate(count: int = 10_000, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    base = demo_build.build()
    templates = base["items"]
    items: list[dict[str, Any]] = []
    n = 0
    while len(items) < count:
        tpl = templates[n % len(templates)]
        city_zh, city_en, code = CITIES[rng.randrange(len(CITIES))]
        var_zh, var_en = VARIANTS[rng.randrange(len(VARIANTS))]
        it = json.loads(json.dumps(tpl))
        it["id"] = f"gen.{n:05d}"
        it["name"] = {"zh_CN": f"{city_zh}{tpl['name']['zh_CN']}{var_zh}",
                      "en_US": f"{tpl['name']['en_US']}{var_en}, {city_en}"}
        it["region"] = {"level": "city", "code": code}
        it["cross_province"] = rng.random() < 0.3
        it["keywords"] = [city_zh]
        items.append(it)
        n += 1
    return {
        "schema_version": 1,
        "version": f"generated-{count}-{seed}",
        "categories": base["categories"],
        "items": items,
        "themes": [],
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 10_000
    out = Path(args[1]) if len(args) > 1 else Path(f"catalogue-{count}.json")
    out.write_text(json.dumps(generate(count), ensure_ascii=False), encoding="utf-8")
    print(f"wrote {count} items to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
