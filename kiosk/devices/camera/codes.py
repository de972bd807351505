"""Numbered error codes of the cameras (CAM-…), looked up with ``kiosk-diag errors CAM-001``."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

NOT_FOUND = ErrorCode(
    "CAM-001", "找不到摄像头设备", "Camera device not found",
    "检查USB线和设备号（kiosk-diag camera list），重新插拔摄像头", "Check the USB cable and device number "
    "(kiosk-diag camera list); re-plug the camera")
NO_FRAMES = ErrorCode(
    "CAM-002", "摄像头已打开但没有画面", "Camera opened but delivers no frames",
    "重新插拔摄像头；检查是否被其他程序占用", "Re-plug the camera; check no other program holds it")
FORMAT_REFUSED = ErrorCode(
    "CAM-003", "摄像头不支持设定的分辨率或格式", "Camera refused the configured resolution or format",
    "按 camera list 显示的实际能力修改配置中的 width/height/fourcc",
    "Set width/height/fourcc in the configuration to what camera list reports")
REPLAY_UNREADABLE = ErrorCode(
    "CAM-004", "回放文件无法读取", "Replay file or folder cannot be read",
    "检查配置中的 replay_path", "Check replay_path in the configuration")
NO_DOCUMENT = ErrorCode(
    "CAM-020", "画面中没有找到材料边缘", "No document outline found in the frame",
    "将材料平放在深色垫板中央；仍不行可手动拍摄", "Lay the document flat in the middle of the dark pad, "
    "or capture manually")
BLURRY = ErrorCode(
    "CAM-021", "画面不清晰", "Image too blurry",
    "清洁镜头；检查对焦；材料放平", "Clean the lens, check focus, lay the document flat")
ENCODE_FAILED = ErrorCode(
    "CAM-022", "图像保存失败", "Could not encode or save the image",
    "检查磁盘空间和目录权限", "Check disk space and directory permissions")
FACE_MODEL_MISSING = ErrorCode(
    "CAM-030", "人脸检测模型文件缺失", "Face detector model files missing",
    "安装 opencv-python 4.x（5.0 不含 Haar 模型文件）", "Install opencv-python 4.x (5.0 has no Haar cascade files)")
FACE_NOT_CAPTURED = ErrorCode(
    "CAM-031", "人脸采集未完成（无人脸、多张人脸、光线或清晰度不合格）",
    "Face capture not completed (no face, several faces, light or sharpness not good enough)",
    "请用户正对摄像头，确保光线充足，镜头前只有一人", "Ask the user to face the camera in good light, "
    "alone in the picture")
LIVENESS_FAILED = ErrorCode(
    "CAM-032", "活体动作验证未通过", "Liveness challenge not completed",
    "请用户按语音提示眨眼或转头；仍失败请转人工", "Ask the user to blink or turn the head as prompted; "
    "otherwise hand over to staff")

register(NOT_FOUND, NO_FRAMES, FORMAT_REFUSED, REPLAY_UNREADABLE, NO_DOCUMENT, BLURRY, ENCODE_FAILED,
         FACE_MODEL_MISSING, FACE_NOT_CAPTURED, LIVENESS_FAILED)
