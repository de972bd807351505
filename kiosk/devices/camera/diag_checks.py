"""Self-test checks of the cameras: ``doc_camera_focus`` (frames arrive, the test sheet the
technician lays under the camera is found and its sharpness is over ``sharpness_threshold``) and
``face_camera`` (frames arrive and the face detector is loaded). Images are measured, never kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.devices.base import CancelToken, Completion, Outcome
from kiosk.diag.checks import Check, CheckContext, CheckResult, failed, passed
from kiosk.diag.device_support import failure_result, run_on_device
from kiosk.i18n import tr

TIMEOUT_S = 10.0
FRAME_TRIES = 20


def _first_frame(device: Any, token: CancelToken) -> Any:
    for _ in range(FRAME_TRIES):
        frame = device.source.read()
        if frame is not None or token.wait(0.05):
            return frame
    return None


def _no_frames() -> Completion[Any]:
    return Completion.failure(Outcome.HARDWARE_ERROR, "CAM-002", "camera.status.no_frames", "no frame")


def _doc_job(device: Any, token: CancelToken) -> Completion[dict[str, Any]]:
    frame = _first_frame(device, token)
    if frame is None:
        return _no_frames()
    quad, sharp, _state = device.analyse(frame)
    return Completion.success({"document": quad is not None, "sharpness": round(float(sharp), 1)})


def _face_job(device: Any, token: CancelToken) -> Completion[dict[str, Any]]:
    frame = _first_frame(device, token)
    if frame is None:
        return _no_frames()
    analyzer = device.analyzer()
    if analyzer is None:
        return Completion.failure(Outcome.HARDWARE_ERROR, "CAM-030", "camera.status.model_missing", "")
    summary = analyzer.analyse(frame).summary()
    return Completion.success({"faces": summary["faces"], "sharpness": summary["sharpness"]})


def _builder(ctx: CheckContext, which: str) -> Callable[[], tuple[Any, Callable[[], None]]]:
    def build() -> tuple[Any, Callable[[], None]]:
        from kiosk.devices.camera import create_document_camera, create_face_camera

        devices = ctx.require_config().devices
        device: Any
        if which == "doc_camera":
            device, sim = create_document_camera(devices.doc_camera, pace=False)
            if sim is not None:
                sim.show("form")  # simulator: the simulated technician lays the test sheet down
        else:
            device = create_face_camera(devices.face_camera, pace=False)[0]
        return device, lambda: None

    return build


def _run(ctx: CheckContext, which: str, job: Callable[[Any, CancelToken], Completion[Any]]) -> Completion[Any] | None:
    cfg = ctx.require_config()
    if getattr(cfg.devices, which).mode == "disabled":
        return None
    return run_on_device(ctx, which, TIMEOUT_S, job, _builder(ctx, which))


def check_doc_focus(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, "doc_camera", _doc_job)
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok or result.value is None:
        return failure_result(result, "CAM-002")
    sharp, threshold = result.value["sharpness"], ctx.require_config().devices.doc_camera.sharpness_threshold
    data = {**result.value, "threshold": threshold}
    if not result.value["document"]:
        # No outline: no test sheet, or so far out of focus that its edges are gone.
        return failed("CAM-020", tr("diag.sum_camera_no_sheet", sharpness=sharp), **data)
    if sharp < threshold:
        return failed("CAM-021", tr("diag.sum_camera_blurry", sharpness=sharp, threshold=threshold), **data)
    return passed(tr("diag.sum_camera_sharp", sharpness=sharp, threshold=threshold), **data)


def check_face_camera(ctx: CheckContext) -> CheckResult:
    result = _run(ctx, "face_camera", _face_job)
    if result is None:
        return passed(tr("diag.sum_device_disabled"))
    if not result.ok or result.value is None:
        return failure_result(result, "CAM-002")
    return passed(tr("diag.sum_face_camera_ok", faces=result.value["faces"], sharpness=result.value["sharpness"]),
                  **result.value)


CHECKS = [
    Check("doc_camera_focus", "diag.check_doc_camera_focus", check_doc_focus, group="device",
          timeout_s=TIMEOUT_S + 4, resource="doc_camera"),
    Check("face_camera", "diag.check_face_camera", check_face_camera, group="device",
          timeout_s=TIMEOUT_S + 4, resource="face_camera"),
]
