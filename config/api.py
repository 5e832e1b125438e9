"""The REST API (django-ninja): one NinjaAPI, one router per app, one error mapping."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from xinfang.accounts.services import token_authenticate
from xinfang.core.bounds import bound_message
from xinfang.core.db import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_lock_timeout, recover_connections
from xinfang.core.exceptions import ApplicationError
from xinfang.core.requests import RequestMeta


def signed_in_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API docs and schema: for a signed-in user (page session) or a valid bearer token; the
    docs page sends anyone else to the login page, the schema answers 401."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            try:
                user = (
                    token_authenticate(token.strip(), RequestMeta.from_request(request))
                    if scheme.lower() == "bearer" and token
                    else None
                )
            except ApplicationError as exc:
                return JsonResponse({"message": exc.message}, status=exc.status_code)
            if user is None:
                if request.path.endswith(".json"):
                    return JsonResponse({"message": "请先登录或提供有效的 API 令牌。"}, status=401)
                return redirect_to_login(request.get_full_path())
            request.user = user
        return view(request, *args, **kwargs)

    return wrapped


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="信访维稳工作平台 API",
    version="1",
    description="所有接口（除获取令牌外）均需在请求头中携带 `Authorization: Bearer <token>`。",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=signed_in_only,
)

FIELD_MESSAGES = {
    "missing": "此项为必填项。",
    "int_parsing": "须为整数。",
    "int_type": "须为整数。",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_type": "日期格式应为 YYYY-MM-DD。",
    "datetime_parsing": "时间格式应为 ISO 8601，例如 2026-10-01T09:30:00+08:00。",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601，例如 2026-10-01T09:30:00+08:00。",
    "datetime_type": "时间格式应为 ISO 8601，例如 2026-10-01T09:30:00+08:00。",
    "string_too_short": "内容过短。",
    "string_too_long": "内容过长。",
    "string_type": "须为文本。",
    "bool_parsing": "须为 true 或 false。",
    "enum": "取值不在允许范围内。",
    "literal_error": "取值不在允许范围内。",
    "greater_than_equal": "数值过小。",
    "less_than_equal": "数值过大。",
    "greater_than": "数值过小。",
    "less_than": "数值过大。",
    "json_invalid": "请求体不是合法的 JSON。",
    "value_error": "取值无效。",
}


def chinese_field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Pydantic's errors as {field: Chinese message}; the location prefix (body/query) is dropped."""
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        field = ".".join(loc) or "__all__"
        ctx = error.get("ctx") or {}
        message = (
            ctx.get("chinese")
            or bound_message(error.get("type", ""), ctx)
            or FIELD_MESSAGES.get(error.get("type", ""))
        )
        if message is None:
            message = str(error.get("msg", "取值无效。")).removeprefix("Value error, ")
        fields.setdefault(field, message)
    return fields


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = chinese_field_errors(exc.errors)
    summary = "；".join(f"{k}：{v}" for k, v in fields.items())
    return api.create_response(request, {"message": f"请求参数有误：{summary}", "errors": fields}, status=422)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    body: dict[str, Any] = {"message": exc.message}
    if exc.extra:
        body["errors"] = exc.extra
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": "记录不存在或您无权查看。"}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": "未登录或令牌无效，请先获取令牌。"}, status=401)


@api.exception_handler(OperationalError)
def on_operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """A lock wait that timed out is 503 with Retry-After; any other database fault stays a 500."""
    if not is_lock_timeout(exc):
        raise exc
    recover_connections()
    response = api.create_response(request, {"message": BUSY_MESSAGE, "errors": {}}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_routers() -> None:
    from xinfang.accounts.api import router as accounts_router
    from xinfang.deadlines.api import router as deadlines_router
    from xinfang.deadlines.sensitive_api import router as sensitive_router
    from xinfang.disputes.api import router as disputes_router
    from xinfang.documents.api import router as documents_router
    from xinfang.duty.api import router as duty_router
    from xinfang.incidents.api import router as incidents_router
    from xinfang.inforeports.api import router as inforeports_router
    from xinfang.keypersons.api import router as keypersons_router
    from xinfang.notifications.api import router as notifications_router
    from xinfang.organisation.api import router as organisation_router
    from xinfang.petitions.api import router as petitions_router
    from xinfang.screenings.api import router as screenings_router
    from xinfang.stats.api import router as stats_router
    from xinfang.supervision.api import router as supervision_router

    api.add_router("/auth", accounts_router)
    api.add_router("/units", organisation_router)
    api.add_router("/calendar", deadlines_router)
    api.add_router("/", petitions_router)
    api.add_router("/", documents_router)
    api.add_router("/", notifications_router)
    api.add_router("/", supervision_router)
    api.add_router("/", duty_router)
    api.add_router("/", inforeports_router)
    api.add_router("/", incidents_router)
    api.add_router("/", keypersons_router)
    api.add_router("/", sensitive_router)
    api.add_router("/", screenings_router)
    api.add_router("/", disputes_router)
    api.add_router("/stats", stats_router)


register_routers()
