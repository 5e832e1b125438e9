"""Sign-in, lockout, passwords, users, roles and API tokens. Every change is audited."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import Unit

from .models import ApiToken, RoleAssignment, User
from .permissions import has_capability
from .policy import LIMITS, security_policy
from .roles import ADMIN_ROLES, Role
from .signals import account_notice

# One message for an unknown user, a wrong password and a locked account alike, so that the
# answer never tells whether an account exists (the lock is a state only a real account has).
GENERIC_LOGIN_ERROR = "用户名或密码错误。连续失败次数达到上限、账号已锁定的，请稍后再试或联系安全管理员解锁。"


def _run_hasher(password: str) -> None:
    """Costs what checking a real password costs, for an unknown user or a locked account, so
    that the time of the answer does not reveal either (django.contrib.auth's ModelBackend)."""
    User().set_password(password)


def auth_authenticate(*, username: str, password: str, request_meta: RequestMeta | None = None) -> User:
    """Checks a username and password, counting failures and locking the account.

    After the policy's `max_failures` consecutive failures the account is locked for
    `lock_minutes` (SecurityPolicy, defaults 5 and 15); while locked even the right password is
    refused. Unknown user, wrong password, inactive or locked account: the same ApplicationError
    (400, GENERIC_LOGIN_ERROR) after the same hasher work.

    The password is hashed first, outside any transaction: with SQLite's IMMEDIATE transactions
    a hash (hundreds of milliseconds) inside one would hold every writer of the installation.
    The decision is then taken in a short transaction with the account row read SELECT … FOR
    UPDATE: the failure count and the lock are read there, so parallel guesses cannot exceed
    `max_failures` counted failures, and an attempt that finds the account locked is refused
    whatever its password (the same answer, so a guess checked in the race teaches nothing).
    Failures are committed even though the caller gets an error.
    """
    candidate = User.objects.filter(username=username).only("pk", "password", "is_active").first()
    if candidate is None:
        _run_hasher(password)
        password_ok = False
    else:
        password_ok = candidate.check_password(password)
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(username=username)
            .first()
        )
        now = timezone.now()
        if user is None:
            _record_failure(user=None, username=username, request_meta=request_meta, reason="unknown_user")
        elif user.locked_until and user.locked_until > now:
            _record_failure(user=user, username=username, request_meta=request_meta, reason="locked")
        elif not password_ok or not user.is_active or candidate is None or candidate.pk != user.pk:
            reason = "bad_password" if user.is_active else "inactive"
            _record_failure(user=user, username=username, request_meta=request_meta, reason=reason)
        else:
            if user.failed_login_count or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
                user.failed_login_count, user.locked_until = 0, None
            return user
    raise ApplicationError(GENERIC_LOGIN_ERROR)


def _record_failure(
    *, user: User | None, username: str, request_meta: RequestMeta | None, reason: str
) -> None:
    """Audits a failed sign-in; a wrong password of a real account counts towards its lock.
    Runs inside `auth_authenticate`'s transaction, which holds the account's row lock."""
    if user is None or reason == "locked":
        audit_record(
            actor=None,
            username=username,
            event=AuditEvent.LOGIN_FAILED,
            target=user,
            success=False,
            request_meta=request_meta,
            reason=reason,
        )
        return
    user.failed_login_count += 1
    policy = security_policy()
    locked_until = None
    if user.failed_login_count >= policy.max_failures:
        locked_until = timezone.now() + timedelta(minutes=policy.lock_minutes)
        User.objects.filter(pk=user.pk).update(locked_until=locked_until, failed_login_count=0)
    else:
        User.objects.filter(pk=user.pk).update(failed_login_count=user.failed_login_count)
    audit_record(
        actor=None,
        username=username,
        event=AuditEvent.LOGIN_FAILED,
        target=user,
        success=False,
        request_meta=request_meta,
        reason=reason,
        failures=user.failed_login_count,
    )
    if locked_until is not None:
        audit_record(
            actor=None,
            username=username,
            event=AuditEvent.ACCOUNT_LOCKED,
            target=user,
            success=False,
            request_meta=request_meta,
            locked_until=locked_until,
        )


def auth_record_login(*, user: User, request_meta: RequestMeta | None, via: str = "page") -> None:
    audit_record(actor=user, event=AuditEvent.LOGIN, target=user, request_meta=request_meta, via=via)


def auth_record_logout(*, user: User, request_meta: RequestMeta | None, expired: bool = False) -> None:
    event = AuditEvent.SESSION_EXPIRED if expired else AuditEvent.LOGOUT
    audit_record(actor=user, event=event, target=user, request_meta=request_meta)


def _check_password_policy(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), {"password": " ".join(exc.messages)}) from exc


@transaction.atomic
def password_change(
    *, actor: User, old_password: str, new_password: str, request_meta: RequestMeta | None = None
) -> None:
    if not actor.check_password(old_password):
        raise ValidationFailed("原密码不正确。", {"old_password": "原密码不正确。"})
    if old_password == new_password:
        raise ValidationFailed("新密码不能与原密码相同。", {"new_password": "新密码不能与原密码相同。"})
    _check_password_policy(new_password, actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.password_changed_at = timezone.now()
    actor.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(actor=actor, event=AuditEvent.PASSWORD_CHANGED, target=actor, request_meta=request_meta)
    tokens_revoke_all(actor=actor, user=actor, reason="password_changed", request_meta=request_meta)


def _validate_user_fields(
    *, username: str, full_name: str, unit: Unit | None, instance: User | None = None
) -> None:
    errors: dict[str, str] = {}
    if (
        not username
        or len(username) > 150
        or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        errors["username"] = "用户名只能包含字母、数字、-、_ 和 .。"
    elif User.objects.filter(username=username).exclude(pk__in=[instance.pk] if instance else []).exists():
        errors["username"] = f"用户名 {username} 已存在。"
    if not full_name.strip():
        errors["full_name"] = "请填写姓名。"
    if unit is None:
        errors["unit"] = "请选择所属单位。"
    if errors:
        raise ValidationFailed("用户信息有误，请修改后再提交。", errors)


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    unit: Unit | None,
    password: str,
    phone: str = "",
    must_change_password: bool = True,
    request_meta: RequestMeta | None = None,
) -> User:
    """Creates an account. Accounts made by an administrator must change the password at first login."""
    _validate_user_fields(username=username, full_name=full_name, unit=unit)
    _check_password_policy(password)
    user = User(
        username=username,
        full_name=full_name.strip(),
        unit=unit,
        phone=phone,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        event=AuditEvent.USER_CREATED,
        target=user,
        request_meta=request_meta,
        unit=unit.pk if unit else None,
        must_change_password=must_change_password,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    full_name: str,
    unit: Unit | None,
    phone: str,
    is_active: bool,
    request_meta: RequestMeta | None = None,
) -> User:
    if refusal := admin_account_refusal(actor, user):
        raise PermissionDenied(refusal)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise ValidationFailed("不能停用自己的账号。", {"is_active": "不能停用自己的账号。"})
    _validate_user_fields(username=user.username, full_name=full_name, unit=unit, instance=user)
    old = {
        "full_name": user.full_name,
        "unit": user.unit_id,
        "phone": user.phone,
        "is_active": user.is_active,
    }
    user.full_name, user.unit, user.phone, user.is_active = full_name.strip(), unit, phone, is_active
    user.save(update_fields=["full_name", "unit", "phone", "is_active"])
    new = {
        "full_name": user.full_name,
        "unit": user.unit_id,
        "phone": user.phone,
        "is_active": user.is_active,
    }
    audit_record(
        actor=actor,
        event=AuditEvent.USER_CHANGED,
        target=user,
        request_meta=request_meta,
        old={k: v for k, v in old.items() if new[k] != v},
        new={k: v for k, v in new.items() if old[k] != v},
    )
    if not is_active:
        tokens_revoke_all(actor=actor, user=user, reason="deactivated", request_meta=request_meta)
    return user


@transaction.atomic
def user_set_roles(
    *, actor: Any, user: User, roles: set[str], request_meta: RequestMeta | None = None
) -> User:
    """Replaces a user's roles. An administrator role cannot be combined with any other role
    (三员分立), and nobody changes their own roles."""
    unknown = roles - set(Role.values)
    if unknown:
        raise ValidationFailed(f"未知角色：{'、'.join(sorted(unknown))}。")
    admin_roles = roles & {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}
    if admin_roles and len(roles) > 1:
        raise ValidationFailed("三员分立：系统管理员、安全管理员、审计管理员不能与其他角色兼任。")
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationFailed("不能调整自己的角色。")
    old = set(user.role_codes)
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r) for r in sorted(roles - old)], ignore_conflicts=True
    )
    user._role_codes = frozenset(roles)
    audit_record(
        actor=actor,
        event=AuditEvent.ROLES_CHANGED,
        target=user,
        request_meta=request_meta,
        old=sorted(old),
        new=sorted(roles),
    )
    return user


@transaction.atomic
def user_unlock(*, actor: Any, user: User, request_meta: RequestMeta | None = None) -> None:
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_login_count=0)
    audit_record(actor=actor, event=AuditEvent.ACCOUNT_UNLOCKED, target=user, request_meta=request_meta)


def admin_account_refusal(actor: Any, user: User) -> str | None:
    """Why `actor` may not change, deactivate or reset the account of an administrator (系统/安全/
    审计管理员), or None: only the security administrator may (三员分立), so that the system
    administrator can neither take over nor switch off the audit or security administrator."""
    if actor is None or not user.role_codes & ADMIN_ROLES or Role.SECADMIN in actor.role_codes:
        return None
    return "三员分立：系统管理员、安全管理员、审计管理员的账号只能由安全管理员修改、停用或重置密码。"


def password_reset_refusal(actor: Any, user: User) -> str | None:
    """Why `actor` may not reset `user`'s password, or None if they may (三员分立).

    An account holding an administrator role (系统/安全/审计管理员) is reset by the security
    administrator only, so that the system administrator cannot take over the audit or security
    administrator's account; any other account by the system administrator (users.manage).
    Nobody resets their own password this way. A job or command (actor None) may reset any."""
    if actor is None:
        return None
    if actor.pk == user.pk:
        return "不能重置自己的密码，请使用「修改密码」。"
    if user.role_codes & ADMIN_ROLES:
        return admin_account_refusal(actor, user)
    if has_capability(actor, "users.manage"):
        return None
    return "您没有执行此操作的权限。"


@transaction.atomic
def user_reset_password(
    *, actor: Any, user: User, new_password: str, request_meta: RequestMeta | None = None
) -> None:
    """An administrator sets a temporary password (see `password_reset_refusal` for who may).

    The user must change it at next login; every API token of the user is revoked; the reset is
    audited and the user is told in an in-app notification."""
    refusal = password_reset_refusal(actor, user)
    if refusal:
        raise PermissionDenied(refusal)
    _check_password_policy(new_password, user)
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    entry = audit_record(actor=actor, event=AuditEvent.PASSWORD_RESET, target=user, request_meta=request_meta)
    tokens_revoke_all(actor=actor, user=user, reason="password_reset", request_meta=request_meta)
    by = "系统" if actor is None else f"{actor}（{actor.username}）"
    account_notice.send(
        sender=User,
        user=user,
        title="您的登录密码已被重置",
        body=(
            f"{by}于 {timezone.localtime(entry.created_at):%Y-%m-%d %H:%M} 重置了您的登录密码。"
            "下次登录时须修改密码，您此前获取的 API 令牌均已吊销。如非您本人申请，请立即联系安全管理员。"
        ),
        link="/accounts/password/",
        dedupe_key=f"password_reset:{entry.pk}",
    )


def tokens_revoke_all(*, actor: Any, user: User, reason: str, request_meta: RequestMeta | None = None) -> int:
    """Revokes every live token of `user` (password change, reset, deactivation); audited once."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit_record(
            actor=actor,
            event=AuditEvent.TOKEN_REVOKED,
            target=user,
            request_meta=request_meta,
            owner=user.username,
            count=revoked,
            reason=reason,
        )
    return revoked


PASSWORD_CHANGE_FIRST = "您须先修改密码：请在网页上登录并修改密码后，再获取或使用 API 令牌。"


class PasswordChangeRequired(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(PASSWORD_CHANGE_FIRST)


def token_max_age() -> timedelta:
    """The absolute lifetime of a token (setting XINFANG_TOKEN_MAX_HOURS, default 12 hours)."""
    return timedelta(hours=getattr(settings, "XINFANG_TOKEN_MAX_HOURS", 12))


@transaction.atomic
def token_issue(*, user: User, request_meta: RequestMeta | None = None) -> str:
    """A new token. Refused while the user must change their password (PasswordChangeRequired)."""
    if user.must_change_password:
        raise PasswordChangeRequired()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8], created_at=timezone.now()
    )
    audit_record(
        actor=user,
        event=AuditEvent.TOKEN_ISSUED,
        target=token,
        target_label=token.prefix,
        request_meta=request_meta,
    )
    return key


def _token_rejection(token: ApiToken | None, now: Any) -> str:
    """Why a token is not live ("" if it is)."""
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if now - token.created_at > token_max_age():
        return "expired"
    idle_for = now - (token.last_used_at or token.created_at)
    # no policy allows fewer idle minutes than its lower limit: a token used since then is live
    # without reading the policy (a query whenever its per-process cache is cold)
    if idle_for > timedelta(minutes=LIMITS["idle_minutes"][0]) and idle_for > timedelta(
        minutes=security_policy().idle_minutes
    ):
        return "idle"
    if not token.user.is_active:
        return "inactive"
    if token.user.locked_until and token.user.locked_until > now:
        return "locked"
    return ""


def token_authenticate(key: str, request_meta: RequestMeta | None = None) -> User | None:
    """The user behind a live token, or None (each refusal audited as TOKEN_REJECTED).

    A token dies when revoked, 12 hours after issue (XINFANG_TOKEN_MAX_HOURS), or after the
    policy's idle minutes without use (the session's limit); inactive and locked users fail. Last
    use is written at most once a minute, so the idle limit is exact to that minute. A user who
    must change their password gets PasswordChangeRequired (403) instead."""
    token = (
        ApiToken.objects.select_related("user", "user__unit").filter(key_hash=ApiToken.hash_key(key)).first()
    )
    now = timezone.now()
    reason = _token_rejection(token, now)
    if reason:
        audit_record(
            actor=None,
            username=token.user.username if token else "",
            event=AuditEvent.TOKEN_REJECTED,
            target=token,
            target_label=token.prefix if token else "",
            success=False,
            request_meta=request_meta,
            reason=reason,
        )
        return None
    assert token is not None
    user = token.user
    if user.must_change_password:
        raise PasswordChangeRequired()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user.api_token = token
    return user


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken, request_meta: RequestMeta | None = None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        event=AuditEvent.TOKEN_REVOKED,
        target=token,
        target_label=token.prefix,
        request_meta=request_meta,
        owner=token.user.username,
    )
