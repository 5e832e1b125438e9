from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import scope_q

from .models import ApiToken, RoleAssignment, User


def users_visible_to(actor: Any) -> QuerySet[User]:
    return User.objects.filter(scope_q(actor))


def access_user_by_id(actor: Any, user_id: int, request_meta: RequestMeta | None = None) -> User:
    """The same NotFound whether the user does not exist or lies outside the actor's scope; the
    latter is audited (ACCESS_DENIED)."""
    try:
        return users_visible_to(actor).select_related("unit").get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=User, target_id=user_id, request_meta=request_meta)
        raise NotFound() from None


def user_list(*, actor: Any, q: str = "") -> QuerySet[User]:
    qs = (
        users_visible_to(actor)
        .select_related("unit")
        .prefetch_related(Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role")))
    )
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q) | Q(unit__name__contains=q))
    return qs.order_by("unit__path", "username")


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
