import re
from pathlib import Path

from kiosk.i18n import CATALOGUE, LANGUAGES, Catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_every_entry_has_both_languages() -> None:
    for key, entry in CATALOGUE.messages.items():
        for lang in LANGUAGES:
            assert entry.get(lang), f"{key} has no {lang} text"


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        used.update(re.findall(r"""\btr\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", path.read_text("utf-8")))
    missing = sorted(k for k in used if k not in CATALOGUE.messages)
    assert not missing, f"translation keys used but not defined: {missing}"


def test_switch_language_notifies_and_falls_back() -> None:
    cat = Catalogue()
    seen: list[str] = []
    cat.add_listener(seen.append)
    assert cat.tr("common.back") == "返回"
    cat.set_language("en_US")
    assert cat.tr("common.back") == "Back"
    assert seen == ["en_US"]
    assert cat.tr("common.no_such_key") == "common.no_such_key"
