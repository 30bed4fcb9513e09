"""uprtc's `{code, data, msg}` error codes (spec 003, 错误码) mapped to the vendor-neutral hierarchy.

Errors arrive as HTTP 200 with a non-zero `code`; the spec documents no HTTP statuses, so
gateway answers without the envelope are judged by their HTTP status instead.
"""

from __future__ import annotations

from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
    VendorError,
)
from vendors.base.http import error_for_status as http_error_for_status

VENDOR = "uprtc"

# code: (description as the spec gives it, class)
CODES: dict[int, tuple[str, type[VendorError]]] = {
    10000: ("系统错误", UnavailableError),
    10001: ("API认证错误", AuthenticationError),
    10002: ("无效参数", InvalidRequestError),
    10003: ("无效请求", InvalidRequestError),
    50000: ("非法客户端连接", PermissionDeniedError),
    50001: ("没有找到房间", NotFoundError),
    50002: ("不能创建已存在的房间", ConflictError),
    50003: ("用户没有被邀请加入房间", PermissionDeniedError),
    50004: ("用户已经和房间建立连接", ConflictError),
    50005: ("无法建立RTC连接", UnavailableError),
    50006: ("用户已经加入房间", ConflictError),
    50007: ("用户不具备消费某个流媒体的能力", PermissionDeniedError),
    50008: ("房间拥有者未加入房间", ConflictError),
    50009: ("用户不能在房间中生产某个流媒体", PermissionDeniedError),
    50010: ("没有找到被合并的房间", NotFoundError),
    50011: ("用户不在房间里", NotFoundError),
    50012: ("超过会话房间最大人数", ConflictError),
    50013: ("指定Work已经创建过此房间的镜像", ConflictError),
    50014: ("不能重复合并同一个房间", ConflictError),
    50015: ("没有可用的工作进程", UnavailableError),
    50016: ("没有找到可操作的媒体,没有找到媒体生产者", NotFoundError),
    50017: ("客户端没有找到路由", UnavailableError),
    50018: ("超过授权的最大连接数", PermissionDeniedError),
    50019: ("下载的录像文件不存在", NotFoundError),
    50020: ("房间正在录制", ConflictError),
    50021: ("没有找到可用的录制服务器", UnavailableError),
    50022: ("房间不可以加入", ConflictError),
}


def error_for_code(code: int, message: str, *, http_status: int | None = None) -> VendorError:
    description, cls = CODES.get(code, ("未知错误", UnavailableError if code == 10000 else InvalidRequestError))
    return cls(message or description, vendor=VENDOR, code=str(code), http_status=http_status)


def error_for_status(status: int, text: str, retry_after: str | None = None) -> VendorError:
    """A reply without the envelope (a gateway or proxy answered)."""
    return http_error_for_status(
        VENDOR, status, text, retry_after, unexpected="answer without the {code, data, msg} envelope"
    )
