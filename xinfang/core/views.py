import logging
import sys
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from .db import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_lock_timeout, recover_connections

logger = logging.getLogger("xinfang.errors")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"message": "您没有执行此操作的权限。"}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", {"message": "记录不存在或您无权查看。"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Any error no view handled, middleware's included (the session's save): a lock wait that
    timed out is a busy system (503, Retry-After); anything else a Chinese page with a reference
    number that the log line of the same error carries. Rendered without context processors, so
    that it needs no query when the database is the fault."""
    exc = sys.exc_info()[1]
    template = loader.get_template("core/500.html")
    if exc is not None and is_lock_timeout(exc):
        recover_connections()
        context = {"title": "系统繁忙", "message": BUSY_MESSAGE, "alert": "alert-warning", "reference": ""}
        response = HttpResponse(template.render(context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    reference = uuid.uuid4().hex[:12].upper()
    logger.error("服务器内部错误，参考编号 %s：%s %s", reference, request.method, request.path, exc_info=exc)
    context = {
        "title": "系统出错",
        "message": "处理您的请求时发生了错误，您的操作可能没有完成。请稍后重试。",
        "alert": "alert-danger",
        "reference": reference,
    }
    return HttpResponse(template.render(context), status=500)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
