"""Every guidance, prompt and status key the camera code can emit has both languages."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.i18n import CATALOGUE, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"""["'](camera\.(?:guide|face|status|voice|dock|layout)\.[a-z_]+)["']""")


def test_all_camera_keys_in_code_exist() -> None:
    used: set[str] = set()
    for path in [*(ROOT / "kiosk" / "devices" / "camera").rglob("*.py"), ROOT / "kiosk" / "devdock" / "panels" / "camera.py"]:
        used.update(KEY.findall(path.read_text("utf-8")))
    assert len(used) > 20
    missing = sorted(k for k in used if k not in CATALOGUE.messages)
    assert not missing, missing


def test_every_face_prompt_has_a_spoken_version() -> None:
    face = [k for k in CATALOGUE.messages if k.startswith("camera.face.")]
    for key in face:
        voice = key.replace("camera.face.", "camera.voice.")
        assert voice in CATALOGUE.messages, voice
        for lang in LANGUAGES:
            assert CATALOGUE.messages[voice].get(lang)


def test_guidance_wording() -> None:
    assert CATALOGUE.translate("camera.guide.place_document", "zh_CN") == "请将材料平放在拍摄区域内"
