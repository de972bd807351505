"""Numbered NET-xxx error codes of the platform client (``kiosk-diag errors NET-010``)."""

from __future__ import annotations

from kiosk.devices.errors import ErrorCode, register

NETWORK = ErrorCode("NET-010", "无法连接政务服务平台", "Cannot reach the platform",
                    "检查网线/网络与平台地址；队列会自动重试", "Check the network and base_url; the queue retries")
TIMEOUT = ErrorCode("NET-011", "平台响应超时", "Platform timed out",
                    "网络慢或平台繁忙；队列会自动重试", "Slow network or busy platform; the queue retries")
SERVER = ErrorCode("NET-020", "平台内部错误（5xx）", "Platform server error (5xx)",
                   "平台侧故障；队列会自动重试", "Platform fault; the queue retries")
THROTTLED = ErrorCode("NET-021", "平台要求稍后再试（429）", "Platform asked to slow down (429)",
                      "按平台给出的等待时间重试", "Retried after the platform's Retry-After")
PROTOCOL = ErrorCode("NET-030", "平台应答无法识别", "Platform answer not understood",
                     "检查平台版本与接口契约", "Check the platform version against the contract")
SIGNATURE = ErrorCode("NET-031", "平台签名校验失败", "Platform signature does not verify",
                      "检查平台公钥配置；可能存在中间人", "Check the platform keys; possible interception")
AUTH = ErrorCode("NET-040", "终端认证失败", "Terminal authentication refused",
                 "检查终端编号、终端密钥登记和系统时间", "Check terminal id, key enrolment and the clock")
REJECTED = ErrorCode("NET-050", "平台拒绝该请求（4xx）", "Platform rejected the request (4xx)",
                     "查看错误代码；修正后可重新提交", "See the error code; re-drive after a fix")
CONFIG = ErrorCode("NET-060", "平台连接配置错误", "Platform connection misconfigured",
                   "生产环境必须使用 https 并配置平台公钥", "Production needs https and platform keys")

register(NETWORK, TIMEOUT, SERVER, THROTTLED, PROTOCOL, SIGNATURE, AUTH, REJECTED, CONFIG)
