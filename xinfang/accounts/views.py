from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinfang.core.exceptions import ApplicationError, PermissionDenied
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import units_visible_to

from . import services
from .forms import LoginForm, PasswordChangeForm, PolicyForm, ResetPasswordForm, RolesForm, UserForm
from .http import AuthenticatedRequest
from .permissions import capability_required, has_capability
from .policy import policy_update, security_policy
from .selectors import access_user_by_id, token_list, user_list


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workbench:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meta = RequestMeta.from_request(request)
        try:
            user = services.auth_authenticate(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                request_meta=meta,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.auth_record_login(user=user, request_meta=meta)
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            return redirect(target or "workbench:home")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=200 if not form.errors else 400,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        user = request.user
        logout(request)
        services.auth_record_logout(user=user, request_meta=RequestMeta.from_request(request))
        messages.info(request, "您已安全退出。")
    return redirect("accounts:login")


@login_required
def password_change_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("workbench:home")
    return render(request, "accounts/password_change.html", {"form": form})


def _can_see_users(request: HttpRequest) -> None:
    if not (has_capability(request.user, "users.manage") or has_capability(request.user, "roles.manage")):
        raise PermissionDenied("您没有执行此操作的权限。")


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    _can_see_users(request)
    q = request.GET.get("q", "").strip()
    page = Paginator(user_list(actor=request.user, q=q), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page_obj": page,
            "q": q,
            "query_string": f"q={q}&" if q else "",
            "can_manage_users": has_capability(request.user, "users.manage"),
            "can_manage_roles": has_capability(request.user, "roles.manage"),
            "now": timezone.now(),
        },
    )


@capability_required("users.manage")
def user_create_view(request: HttpRequest) -> HttpResponse:
    units = units_visible_to(request.user).filter(is_active=True)
    form = UserForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                unit=data["unit"],
                phone=data["phone"],
                password=data["password"],
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, f"已创建用户 {user.username}，首次登录时须修改密码。请安全管理员分配角色。"
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "新建用户"})


@capability_required("users.manage")
def user_edit_view(request: HttpRequest, user_id: int) -> HttpResponse:
    target = access_user_by_id(request.user, user_id)
    units = units_visible_to(request.user).filter(is_active=True)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "unit": target.unit,
        "phone": target.phone,
        "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, units=units, editing=True, initial=initial)
    reset_form = ResetPasswordForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=target,
                full_name=data["full_name"],
                unit=data["unit"],
                phone=data["phone"],
                is_active=data["is_active"],
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已保存用户 {target.username}。")
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "title": f"编辑用户 {target.username}",
            "target": target,
            "reset_form": reset_form,
            "can_reset": services.password_reset_refusal(request.user, target) is None,
        },
    )


@require_POST
@login_required
def user_reset_password_view(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """The system administrator resets business accounts, the security administrator the three
    administrators' accounts (三员分立); anyone else is refused with 403."""
    _can_see_users(request)
    target = access_user_by_id(request.user, user_id)
    refusal = services.password_reset_refusal(request.user, target)
    if refusal:
        raise PermissionDenied(refusal)
    back = "accounts:user_edit" if has_capability(request.user, "users.manage") else "accounts:user_roles"
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_reset_password(
                actor=request.user,
                user=target,
                new_password=form.cleaned_data["new_password"],
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已重置 {target.username} 的密码，其下次登录时须修改；其 API 令牌均已吊销。"
            )
    return redirect(back, user_id=target.pk)


@capability_required("roles.manage")
def user_roles_view(request: HttpRequest, user_id: int) -> HttpResponse:
    target = access_user_by_id(request.user, user_id)
    form = RolesForm(request.POST or None, initial={"roles": sorted(target.role_codes)})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_roles(
                actor=request.user,
                user=target,
                roles=set(form.cleaned_data["roles"]),
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已更新 {target.username} 的角色。")
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_roles.html",
        {
            "form": form,
            "target": target,
            "reset_form": ResetPasswordForm(),
            "can_reset": services.password_reset_refusal(request.user, target) is None,
        },
    )


@require_POST
@capability_required("users.unlock")
def user_unlock_view(request: HttpRequest, user_id: int) -> HttpResponse:
    target = access_user_by_id(request.user, user_id)
    services.user_unlock(actor=request.user, user=target, request_meta=RequestMeta.from_request(request))
    messages.success(request, f"已解除 {target.username} 的锁定。")
    return redirect("accounts:user_list")


@login_required
def token_list_view(request: AuthenticatedRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        new_key = services.token_issue(user=request.user, request_meta=RequestMeta.from_request(request))
    return render(
        request, "accounts/tokens.html", {"tokens": token_list(user=request.user), "new_key": new_key}
    )


@require_POST
@login_required
def token_revoke_view(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(token_list(user=request.user), pk=token_id)
    services.token_revoke(actor=request.user, token=token, request_meta=RequestMeta.from_request(request))
    messages.success(request, f"已吊销令牌 {token.prefix}…。")
    return redirect("accounts:tokens")


@capability_required("security.manage")
def policy_view(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None, initial=security_policy().__dict__)
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(
                actor=request.user, request_meta=RequestMeta.from_request(request), **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "安全策略已保存。")
            return redirect("accounts:policy")
    return render(request, "accounts/policy.html", {"form": form})
