"""The portal's pages (mobile first, no JavaScript needed): the guide, the form, the receipt,
tracking with the number and the query code, the answer's notices, the rating and the review
request. Every answer carries Cache-Control: no-store; nothing needs a session."""

from typing import Any

from captcha import views as captcha_views
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.exceptions import ApplicationError, NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.petitions.categories import SEED_CATEGORIES
from xinfang.petitions.choices import Satisfaction
from xinfang.petitions.models import Category
from xinfang.petitions.services import MAX_REPRESENTATIVES

from . import captchas, codes, selectors, services
from .throttle import Throttled, client_address

LARGE_TEXT_COOKIE = "portal_large"


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {
        "portal_setting": selectors.setting(),
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        **context,
    }
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/guide.html", {"max_attachments": services.MAX_ATTACHMENTS})


def _category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    active = dict(Category.objects.filter(is_active=True, parent__isnull=False).values_list("code", "name"))
    groups = []
    for _, name, children in SEED_CATEGORIES:
        items = [(code, label) for code, label in children if code in active]
        if items:
            groups.append((name, items))
    return groups


def _place_groups() -> list[tuple[str, list[selectors.Place]]]:
    groups: dict[str, list[selectors.Place]] = {}
    for place in selectors.places():
        groups.setdefault(place.township, []).append(place)
    return list(groups.items())


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _headcount(value: str | None) -> int | None:
    """The number of people of a collective matter; anything given that is not a number in range
    is passed on as 0 so that the service refuses it (人数须在 1 至 10000 之间), never dropped."""
    if not (value or "").strip():
        return None
    number = _int(value)
    return number if number is not None else 0


def _submission(post: Any) -> services.Submission:
    representatives = [
        services.Person(
            post.get(f"rep{i}_name", "")[:50],
            post.get(f"rep{i}_id_number", "")[:30],
            post.get(f"rep{i}_phone", "")[:30],
        )
        for i in range(1, MAX_REPRESENTATIVES)
    ]
    return services.Submission(
        name=post.get("name", "")[:50],
        id_number=post.get("id_number", "")[:30],
        phone=post.get("phone", "")[:30],
        address=post.get("address", "")[:200],
        place=_int(post.get("unit")),
        subject=post.get("subject", "")[:200],
        content=post.get("content", "")[: services.CONTENT_MAX + 1],
        demands=post.get("demands", "")[: services.DEMANDS_MAX + 1],
        kind=post.get("kind", services.Kind.PETITION)[:20],
        category=post.get("category", services.DEFAULT_CATEGORY)[:20],
        headcount=_headcount(post.get("headcount")) if post.get("collective") else None,
        representatives=representatives if post.get("collective") else [],
        repeat_of=_int(post.get("repeat_of")) if post.get("same") == "yes" else None,
        not_repeat=post.get("same") == "no",
        sms=bool(post.get("sms")),
    )


def _form(
    request: HttpRequest, values: Any, errors: dict[str, Any], message: str = "", status: int = 200
) -> HttpResponse:
    key = captchas.new_key() if settings.XINFANG_PORTAL_CAPTCHA else ""
    earlier = errors.pop("earlier", None)
    return _page(
        request,
        "portal/submit.html",
        {
            "values": values,
            "errors": errors,
            "message": message,
            "earlier": earlier,
            "places": _place_groups(),
            "categories": _category_groups(),
            "default_category": services.DEFAULT_CATEGORY,
            "reps": range(1, MAX_REPRESENTATIVES),
            "captcha_on": settings.XINFANG_PORTAL_CAPTCHA,
            "captcha_key": key,
            "captcha_url": captchas.image_url(key) if key else "",
            "max_attachments": services.MAX_ATTACHMENTS,
            "sms_available": services.sms_available(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form(request, {}, {})
    post = request.POST
    files = request.FILES.getlist("attachments")
    if settings.XINFANG_PORTAL_CAPTCHA and not captchas.passes(
        post.get("captcha_key", ""), post.get("captcha_value", "")
    ):
        return _form(
            request,
            post,
            {"captcha_value": "验证码错误或已过期，请重新输入。"},
            "验证码错误或已过期，请重新输入。",
            422,
        )
    if not post.get("truthful"):
        return _form(request, post, {"truthful": "请阅读并勾选承诺。"}, "请阅读并勾选如实反映的承诺。", 422)
    uploads = [services.Upload(f.name or "", f.read(25 * 1024 * 1024)) for f in files if f.name][:10]
    try:
        receipt = services.submit(
            data=_submission(post),
            uploads=uploads,
            address=client_address(request),
            request_meta=RequestMeta.from_request(request),
        )
    except ValidationFailed as exc:
        errors = dict(exc.extra)
        if uploads and "attachments" not in errors:
            errors["attachments_again"] = "出于安全原因，请重新选择附件。"
        return _form(request, post, errors, exc.message, 422)
    except Throttled as exc:
        return _form(request, post, {}, exc.message, 429)
    return _page(request, "portal/receipt.html", {"receipt": receipt, "code": codes.shown(receipt.code)})


def _track_page(
    request: HttpRequest,
    number: str,
    code: str,
    message: str = "",
    errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        petition, found = services.access(number=number, code=code, address=client_address(request))
    except NotFound as exc:
        return _page(request, "portal/track_form.html", {"message": exc.message, "number": number}, 404)
    except Throttled as exc:
        return _page(request, "portal/track_form.html", {"message": exc.message, "number": number}, 429)
    view = selectors.public_view(petition, found)
    return _page(
        request,
        "portal/track.html",
        {
            "view": view,
            "number": number,
            "code": code,
            "message": message,
            "errors": errors or {},
            "failed": status >= 400,
            "satisfactions": Satisfaction.choices,
        },
        status,
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, "portal/track_form.html", {"number": request.GET.get("number", "")[:40]})
    return _track_page(request, request.POST.get("number", "")[:40], request.POST.get("code", "")[:40])


@require_POST
def notice(request: HttpRequest) -> HttpResponseBase:
    number, code = request.POST.get("number", "")[:40], request.POST.get("code", "")[:40]
    try:
        petition, _ = services.access(number=number, code=code, address=client_address(request))
        document = services.document_for(
            petition=petition,
            document_id=_int(request.POST.get("document")) or 0,
            request_meta=RequestMeta.from_request(request),
        )
    except Throttled as exc:
        return _page(request, "portal/track_form.html", {"message": exc.message, "number": number}, 429)
    except NotFound as exc:
        return _page(request, "portal/track_form.html", {"message": exc.message, "number": number}, 404)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
    add_never_cache_headers(response)
    return response


def _act(request: HttpRequest, done: str, action: Any) -> HttpResponse:
    number, code = request.POST.get("number", "")[:40], request.POST.get("code", "")[:40]
    try:
        action(number, code)
    except (NotFound, Throttled):
        return _track_page(request, number, code)  # the same answers as tracking
    except ApplicationError as exc:
        return _track_page(request, number, code, exc.message, exc.extra, exc.status_code)
    return _track_page(request, number, code, done)


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        "感谢您的评价，已记入该信访事项。",
        lambda number, code: services.rate(
            number=number,
            code=code,
            satisfaction=request.POST.get("satisfaction", "")[:30],
            reason=request.POST.get("reason", "")[: services.REASON_MAX + 1],
            address=client_address(request),
            request_meta=RequestMeta.from_request(request),
        ),
    )


@require_POST
def review(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        "您的申请已提交，信访工作机构登记后可在本页查看。",
        lambda number, code: services.request_review(
            number=number,
            code=code,
            reason=request.POST.get("reason", "")[: services.REASON_MAX + 1],
            address=client_address(request),
            request_meta=RequestMeta.from_request(request),
        ),
    )


@require_GET
def large_text(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ) or not target.startswith("/"):
        target = "/portal/"
    response = HttpResponseRedirect(target)
    if request.GET.get("on") == "1":
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE)
    return response


@require_GET
def captcha_image(request: HttpRequest, key: str) -> HttpResponse:
    response: HttpResponse = captcha_views.captcha_image(request, key, scale=2)
    add_never_cache_headers(response)
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "portal/error.html", {"message": "页面不存在。"}, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/error_plain.html", {"message": "系统繁忙，请稍后再试。"}, status=500)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "portal/error.html", {"message": "请求无效，请返回重试。"}, 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, "portal/error.html", {"message": "页面已过期，请返回后刷新页面再提交。"}, 403)
