"""The portal's own API (`/portal/api/`): a separate NinjaAPI without authentication, docs or
schema, answering only what a citizen may do. Throttled like the pages (429 in Chinese)."""

from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import ValidationError

from xinfang.core.db import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_lock_timeout, recover_connections
from xinfang.core.exceptions import ApplicationError, ValidationFailed
from xinfang.core.requests import RequestMeta

from . import captchas, selectors, services
from .throttle import client_address

portal_api = NinjaAPI(
    title="网上信访",
    version="1",
    urls_namespace="portal-api",
    docs_url=None,
    openapi_url=None,
    auth=None,
)


def _fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    from config.api import chinese_field_errors

    return chinese_field_errors(errors)


@portal_api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = _fields(exc.errors)
    summary = "；".join(f"{k}：{v}" for k, v in fields.items())
    return portal_api.create_response(
        request, {"message": f"填写的内容有误：{summary}", "errors": fields}, status=422
    )


@portal_api.exception_handler(ApplicationError)
def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    body: dict[str, Any] = {"message": exc.message}
    if exc.extra:
        body["errors"] = exc.extra
    return portal_api.create_response(request, body, status=exc.status_code)


@portal_api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return portal_api.create_response(request, {"message": "页面不存在。"}, status=404)


@portal_api.exception_handler(OperationalError)
def _busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    if not is_lock_timeout(exc):
        raise exc
    recover_connections()
    response = portal_api.create_response(request, {"message": BUSY_MESSAGE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class PortalPlaceOut(Schema):
    id: int
    name: str
    kind: str
    township: str


@portal_api.get("/units", response=list[PortalPlaceOut])
def units(request: HttpRequest) -> list[selectors.Place]:
    """可以选择的事项发生地：乡镇、街道及其村、社区。"""
    return selectors.places()


class PortalCaptchaOut(Schema):
    key: str
    image_url: str


@portal_api.get("/captcha", response=PortalCaptchaOut)
def captcha(request: HttpRequest) -> dict[str, str]:
    """一个新的验证码：提交时在 captcha_key 和 captcha_value 中带回。"""
    key = captchas.new_key()
    return {"key": key, "image_url": captchas.image_url(key)}


class PortalPersonIn(Schema):
    name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)


class PortalPetitionIn(Schema):
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=30)
    phone: str = Field(max_length=30)
    address: str = Field(max_length=200)
    unit: int = Field(ge=1, le=2**62)
    subject: str = Field(max_length=200)
    content: str = Field(max_length=services.CONTENT_MAX)
    demands: str = Field("", max_length=services.DEMANDS_MAX)
    kind: str = Field(services.Kind.PETITION, max_length=20)
    category: str = Field(services.DEFAULT_CATEGORY, max_length=20)
    headcount: int | None = Field(None, ge=1, le=10_000)
    representatives: list[PortalPersonIn] = Field(default_factory=list, max_length=10)
    repeat_of: int | None = Field(None, ge=1, le=2**62)
    not_repeat: bool = False
    sms: bool = False  # send the number and query code to `phone` (when the installation has a gateway)
    captcha_key: str = Field("", max_length=64)
    captcha_value: str = Field("", max_length=20)


class PortalReceiptOut(Schema):
    number: str
    query_code: str
    unit: str
    acceptance_due: str | None
    sms_to: str  # the masked phone the receipt is being sent to, or ""


@portal_api.post("/petitions", response={201: PortalReceiptOut, 409: dict, 422: dict, 429: dict})
def submit(request: HttpRequest, payload: PortalPetitionIn) -> Status:
    """提交网上信访事项；返回信访件编号和查询码（查询码只显示这一次）。"""
    if settings.XINFANG_PORTAL_CAPTCHA and not captchas.passes(payload.captcha_key, payload.captcha_value):
        raise ValidationFailed("验证码错误或已过期，请重新获取。", {"captcha_value": "验证码错误或已过期。"})
    data = services.Submission(
        **payload.dict(exclude={"representatives", "captcha_key", "captcha_value", "unit"}),
        place=payload.unit,
        representatives=[services.Person(**p.dict()) for p in payload.representatives],
    )
    receipt = services.submit(
        data=data, uploads=[], address=client_address(request), request_meta=RequestMeta.from_request(request)
    )
    return Status(
        201,
        {
            "number": receipt.number,
            "query_code": services.codes.shown(receipt.code),
            "unit": receipt.unit_name,
            "acceptance_due": receipt.acceptance_due.isoformat() if receipt.acceptance_due else None,
            "sms_to": receipt.sms_to,
        },
    )


class PortalTrackQuery(Schema):
    number: str = Field(max_length=40)
    code: str = Field(max_length=40)


@portal_api.get("/track", response={200: dict, 404: dict, 429: dict})
def track(request: HttpRequest, query: Query[PortalTrackQuery]) -> dict[str, Any]:
    """凭信访件编号和查询码查询办理情况（编号或查询码错误时一律答复 404）。"""
    petition, found = services.access(number=query.number, code=query.code, address=client_address(request))
    return selectors.public_view(petition, found)


class PortalRateIn(Schema):
    number: str = Field(max_length=40)
    code: str = Field(max_length=40)
    satisfaction: str = Field(max_length=30)
    reason: str = Field("", max_length=services.REASON_MAX)


@portal_api.post("/rate", response={200: dict, 404: dict, 409: dict, 422: dict, 429: dict})
def rate(request: HttpRequest, payload: PortalRateIn) -> dict[str, Any]:
    """评价答复：satisfied 满意 / basically_satisfied 基本满意 / dissatisfied 不满意（须写理由）。"""
    services.rate(
        number=payload.number,
        code=payload.code,
        satisfaction=payload.satisfaction,
        reason=payload.reason,
        address=client_address(request),
        request_meta=RequestMeta.from_request(request),
    )
    petition, found = services.access(
        number=payload.number, code=payload.code, address=client_address(request)
    )
    return selectors.public_view(petition, found)


class PortalReviewIn(Schema):
    number: str = Field(max_length=40)
    code: str = Field(max_length=40)
    reason: str = Field(max_length=services.REASON_MAX)


@portal_api.post("/review", response={201: dict, 404: dict, 409: dict, 422: dict, 429: dict})
def review(request: HttpRequest, payload: PortalReviewIn) -> Status:
    """在复查（复核）期限内网上申请复查（复核），由信访工作机构登记。"""
    services.request_review(
        number=payload.number,
        code=payload.code,
        reason=payload.reason,
        address=client_address(request),
        request_meta=RequestMeta.from_request(request),
    )
    petition, found = services.access(
        number=payload.number, code=payload.code, address=client_address(request)
    )
    return Status(201, selectors.public_view(petition, found))
