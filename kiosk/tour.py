"""Screenshot tour: every registered screen, in both themes and both languages, as PNG files.

    python -m kiosk.tour screenshots/            # or: python run_kiosk.py --screenshot-tour DIR
    python -m kiosk.tour screenshots/ --only home

File names: ``<route>[-<n>]_<language>_<theme>.png`` (``home_zh_CN_normal.png``); ``-<n>`` is
added when a screen has several tour parameter sets. Two extra pictures per combination show
the idle countdown dialog (``idle_warning_…``) and the reusable widgets (``widgets_…``).
Runs offscreen at the configured resolution (1920×1080). The status bar shows sample states
so it is visible in the pictures (devices are not started by the tour).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import KioskConfig, load_config

if TYPE_CHECKING:
    from kiosk.qt import QtGui

SAMPLE_DEVICES = ("idcard", "printer", "smartcard", "doc_camera")


def _save_png(image: QtGui.QImage, path: Path) -> bool:
    return bool(image.save(str(path)))  # format from the .png suffix


def _ensure_qapp() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.qt import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])


def run_tour(out_dir: Path, config: KioskConfig | None = None,
             only: Sequence[str] | None = None) -> list[Path]:
    qapp = _ensure_qapp()
    from kiosk.app import KioskApp
    from kiosk.devices.base import DeviceState, DeviceStatus
    from kiosk.i18n import CATALOGUE, LANGUAGES, current_language
    from kiosk.qt import QtWidgets
    from kiosk.ui.widgets.gallery import WidgetGallery

    config = config or load_config()
    out_dir.mkdir(parents=True, exist_ok=True)
    previous_language = current_language()
    app = KioskApp(config, kiosk_mode=False, show_devdock=False)
    app.idle.stop()
    app.qapp.removeEventFilter(app.idle)
    window = app.window
    window.setFixedSize(config.ui.width, config.ui.height)
    window.show()
    app.set_network(True)
    app.set_queue(2)
    for name in SAMPLE_DEVICES:
        app.set_device_status(name, DeviceStatus(DeviceState.ONLINE))
    # One device in trouble, so the pictures show how a fault reads.
    app.set_device_status("printer", DeviceStatus(DeviceState.USER_ERROR, error_code="PRN-010"))
    gallery = WidgetGallery()
    window.stack.addWidget(gallery)
    files: list[Path] = []
    # PNG encoding is most of the time: grab on the UI thread, encode on worker threads.
    pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
    pending: list[Future[bool]] = []

    def snap(name: str) -> None:
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        path = out_dir / f"{name}.png"
        image = window.grab().toImage()
        pending.append(pool.submit(_save_png, image, path))
        files.append(path)

    try:
        app.finish_screen_discovery()
        routes = [r for r in app.nav.registry.routes() if not only or r in only]
        for language in LANGUAGES:
            app.set_language(language)
            for elderly in (False, True):
                app.set_elderly_mode(elderly)
                gallery.apply_theme(app.theme)
                gallery.retranslate()
                suffix = f"{language}_{app.theme.name}"
                for route in routes:
                    cls = app.nav.registry.get(route)
                    assert cls is not None
                    param_sets = cls.tour_params()
                    for i, params in enumerate(param_sets):
                        app.nav.home()
                        if route != app.nav.home_route:
                            app.nav.push(route, **params)
                        tag = route if len(param_sets) == 1 else f"{route}-{i + 1}"
                        snap(f"{tag}_{suffix}")
                if only and "idle_warning" not in only and "widgets" not in only:
                    continue
                app.nav.home()
                app.idle.dialog.set_remaining(config.ui.idle_warning_s)
                app.idle.dialog.open()
                snap(f"idle_warning_{suffix}")
                app.idle.dialog.close_dialog()
                window.page_bar.hide()
                window.stack.setCurrentWidget(gallery)
                snap(f"widgets_{suffix}")
                app.nav.home()
        for path, future in zip(files, pending, strict=True):
            if not future.result():
                raise OSError(f"could not write {path}")
    finally:
        pool.shutdown(wait=True)
        app.close()
        CATALOGUE.set_language(previous_language)
        del qapp
    return files


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.tour", description=__doc__.split("\n")[0])
    p.add_argument("out_dir", type=Path)
    p.add_argument("--profile", default=None)
    p.add_argument("--config", type=Path, default=None)
    p.add_argument("--only", nargs="*", help="routes to render (default: all)")
    args = p.parse_args(argv)
    files = run_tour(args.out_dir, load_config(args.profile, args.config), args.only)
    for f in files:
        print(f)
    print(f"{len(files)} screenshots in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
