"""``kiosk-diag camera list|snapshot|scan IMAGE``: check cameras and the document pipeline.

- ``list``: the configured cameras and every /dev/video* node with what it reports.
- ``snapshot``: open the configured document (or face) camera, take one frame, run the pipeline and
  write the frame plus the colour and black-and-white outputs.
- ``scan IMAGE``: run the document pipeline on an image file; print the corners, the sharpness and
  where the outputs were written. Exit code 2 when no document outline is found (the whole frame is
  then written, as the kiosk's manual fallback does).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import cv2

from kiosk.devices.base import NEVER_CANCELLED


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("camera", help="cameras and the document pipeline")
    actions = p.add_subparsers(dest="camera_action", metavar="ACTION")
    actions.required = True
    lst = actions.add_parser("list", help="configured cameras and /dev/video* devices")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)
    snap = actions.add_parser("snapshot", help="take one frame from the configured camera")
    snap.add_argument("--which", choices=["doc", "face"], default="doc")
    snap.add_argument("--out", type=Path, default=None, help="output folder (default: the temp dir)")
    snap.add_argument("--layout", default="form", help="simulator only: the document to put on the desk")
    snap.add_argument("--json", action="store_true")
    snap.set_defaults(func=run_snapshot)
    scan = actions.add_parser("scan", help="run the document pipeline on an image file")
    scan.add_argument("image", type=Path)
    scan.add_argument("--out", type=Path, default=None, help="output folder (default: next to the image)")
    scan.add_argument("--json", action="store_true")
    scan.set_defaults(func=run_scan)


def run_list(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.devices.camera.sources import list_cameras

    cfg = ctx.config.devices
    configured = [{"name": name, "mode": c.mode, "device": c.device, "size": [c.width, c.height], "fps": c.fps,
                   "fourcc": c.fourcc, "still": [c.still_width, c.still_height], "replay_path": c.replay_path}
                  for name, c in (("doc_camera", cfg.doc_camera), ("face_camera", cfg.face_camera))]
    found = [c.as_dict() for c in list_cameras()]
    lines = ["configured:"]
    lines += [f"  {c['name']:12s} {c['mode']:9s} device={c['device']} {c['size'][0]}x{c['size'][1]}@{c['fps']} "
              f"{c['fourcc']}" for c in configured]
    lines.append("video devices:" if found else "video devices: none found (/dev/video*)")
    lines += [f"  {d['device']}  {'open' if d['opened'] else 'cannot open'}  {d['width']}x{d['height']} "
              f"@{d['fps']:.0f} {d['fourcc']} {d['backend']}" for d in found]
    ctx.emit({"configured": configured, "devices": found}, "\n".join(lines))
    return 0


def _out_dir(args: argparse.Namespace, ctx: Any, default: Path) -> Path:
    out: Path = args.out if args.out is not None else default
    out.mkdir(parents=True, exist_ok=True)
    return out


def run_scan(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.devices.camera.capture import process_frame
    from kiosk.devices.camera.device import capture_settings

    image = cv2.imread(str(args.image), cv2.IMREAD_COLOR)
    if image is None:
        ctx.emit({"ok": False, "error": f"cannot read image {args.image}"}, f"cannot read image {args.image}")
        return 1
    settings = capture_settings(ctx.config.devices.doc_camera)
    result = process_frame(image, settings)
    out = _out_dir(args, ctx, args.image.parent)
    color, bw = result.save(out, args.image.stem + "-scan")
    data = {"ok": result.quad_found, "image": str(args.image), "size": [image.shape[1], image.shape[0]],
            "corners": result.corners, "is_card": result.is_card, "sharpness": round(result.sharpness, 1),
            "sharp_enough": result.sharpness >= ctx.config.devices.doc_camera.sharpness_threshold,
            "output": str(color), "output_bw": str(bw), "output_size": list(result.size),
            "timings_ms": result.timings_ms, "error_code": None if result.quad_found else "CAM-020"}
    corners = ("none (CAM-020: no document outline; whole frame written)" if result.corners is None
               else "  ".join(f"({x:.1f},{y:.1f})" for x, y in result.corners))
    text = (f"corners:   {corners}\nsharpness: {result.sharpness:.1f}"
            f"{'' if data['sharp_enough'] else '  (below threshold: blurry)'}\n"
            f"output:    {color}\n           {bw}\nsize:      {result.size[0]}x{result.size[1]}"
            f"{'  (ID-card aspect)' if result.is_card else ''}")
    ctx.emit(data, text)
    return 0 if result.quad_found else 2


def run_snapshot(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.devices.camera import create_document_camera, create_face_camera

    cfg = ctx.config
    out = _out_dir(args, ctx, cfg.path(cfg.paths.temp_dir) / "camera")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.which == "face":
        fdev, fsim = create_face_camera(cfg.devices.face_camera, pace=False)
        opened = fdev.open()
        if not opened.ok:
            ctx.emit({"ok": False, **opened.as_dict()}, f"face camera: {opened.error_code} {opened.detail}")
            return 1
        try:
            frame = fdev.source.read()
            analyzer = fdev.analyzer()
        finally:
            fdev.close()
        if frame is None:
            ctx.emit({"ok": False, "error_code": "CAM-002"}, "face camera: no frame (CAM-002)")
            return 1
        path = out / f"face-{stamp}.jpg"
        cv2.imwrite(str(path), frame)
        summary = analyzer.analyse(frame).summary() if analyzer is not None else {"error_code": "CAM-030"}
        ctx.emit({"ok": True, "frame": str(path), "simulated": fsim is not None, **summary},
                 f"frame:  {path}\nfaces:  {summary}")
        return 0
    dev, sim = create_document_camera(cfg.devices.doc_camera, pace=False)
    if sim is not None:
        sim.show(args.layout)
    opened = dev.open()
    if not opened.ok:
        ctx.emit({"ok": False, **opened.as_dict()}, f"document camera: {opened.error_code} {opened.detail}")
        return 1
    try:
        done = dev.capture_now(NEVER_CANCELLED)
    finally:
        dev.close()
    if not done.ok or done.value is None:
        ctx.emit({"ok": False, **done.as_dict()}, f"document camera: {done.error_code} {done.detail}")
        return 1
    color, bw = done.value.save(out, f"doc-{stamp}")
    data = {"ok": True, "simulated": sim is not None, "output": str(color), "output_bw": str(bw),
            **done.value.summary(), "corners": done.value.corners}
    ctx.emit(data, f"output:    {color}\n           {bw}\ncorners:   {done.value.corners}\n"
                   f"sharpness: {done.value.sharpness:.1f}\nsource:    {dev.source.describe()}")
    return 0
