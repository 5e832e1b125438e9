"""Capabilities per role, and the one rule of data scope.

Capabilities are strings `app.verb_noun`; a view or endpoint declares the one it needs. Scope is
decided here and nowhere else: a user sees their own unit; leaders, supervisors and the petition
office's front desk (接访员, 值班员) also see every unit below theirs. The three administrators
(三员分立) hold no business capability at all.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from xinfang.core.exceptions import PermissionDenied

from .models import User
from .roles import Role

# duty (值班): everyone in the business may serve on a shift and see the rosters in scope; the
# office draws up and publishes the roster; the office head (a leader) approves leave and swaps
DUTY_SERVE = frozenset({"duty.view", "duty.serve"})
DUTY_OFFICE = DUTY_SERVE | {"duty.roster"}
DUTY_HEAD = DUTY_OFFICE | {"duty.manage"}
# information reports (信息报送): the information officer files for the unit; the office signs for
# what its units file, returns it or forwards it upward (and files its own)
REPORTS_FILE = frozenset({"reports.view", "reports.file"})
REPORTS_OFFICE = REPORTS_FILE | {"reports.receive"}
# incidents (突发事件): the office registers and reports them, keeps the plans; leaders instruct
INCIDENTS_OFFICE = frozenset({"incidents.view", "incidents.manage", "incidents.plans"})
INCIDENTS_LEADER = INCIDENTS_OFFICE | {"incidents.instruct"}
# key persons (重点人员): everyone may own a person (and so see them and record visits); the office of
# an organ reads the register of its area and keeps it; leaders approve a removal
KEYPERSONS_OWNER = frozenset({"keypersons.view"})
KEYPERSONS_OFFICE = KEYPERSONS_OWNER | {"keypersons.register", "keypersons.manage"}
KEYPERSONS_LEADER = KEYPERSONS_OFFICE | {"keypersons.approve"}
# disputes (矛盾纠纷): units file their screening rounds (排查) and register what they find; mediators
# (and the village cadres who sit on the village committee) mediate; the office of an organ opens
# special screenings, reads the grid and the figures of its area
SCREENINGS_FILE = frozenset({"screenings.view", "screenings.file", "disputes.view", "disputes.register"})
DISPUTES_MEDIATE = SCREENINGS_FILE | {"disputes.mediate"}
DISPUTES_OFFICE = DISPUTES_MEDIATE | {"screenings.manage", "disputes.manage"}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CLERK: frozenset(
        {
            "petitions.register",
            "petitions.accept",
            "petitions.view",
            "calendar.compute",
            "calendar.sensitive",
            *DUTY_OFFICE,
            *REPORTS_OFFICE,
            *INCIDENTS_OFFICE,
            *KEYPERSONS_OFFICE,
            *DISPUTES_OFFICE,
        }
    ),
    Role.HANDLER: frozenset(
        {
            "petitions.handle",
            "petitions.view",
            "calendar.compute",
            "incidents.view",
            *KEYPERSONS_OWNER,
            *DUTY_SERVE,
            *DISPUTES_MEDIATE,
        }
    ),
    Role.LEADER: frozenset(
        {
            "petitions.view",
            "petitions.accept",
            "petitions.approve",
            "petitions.review",
            "stats.view",
            "calendar.compute",
            "calendar.sensitive",
            "units.view",
            *DUTY_HEAD,
            *REPORTS_OFFICE,
            *INCIDENTS_LEADER,
            *KEYPERSONS_LEADER,
            *DISPUTES_OFFICE,
        }
    ),
    Role.PRINCIPAL: frozenset(
        {
            "petitions.view",
            "petitions.approve",
            "petitions.review",
            "stats.view",
            "calendar.compute",
            "calendar.sensitive",
            "units.view",
            *DUTY_HEAD,
            *REPORTS_OFFICE,
            *INCIDENTS_LEADER,
            *KEYPERSONS_LEADER,
            *DISPUTES_OFFICE,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            "petitions.view",
            "supervision.manage",
            "stats.view",
            "calendar.compute",
            "units.view",
            "incidents.view",
            "reports.view",
            "disputes.view",
            "screenings.view",
            *KEYPERSONS_OWNER,
            *DUTY_SERVE,
        }
    ),
    Role.MEDIATOR: frozenset({"calendar.compute", *KEYPERSONS_OWNER, *DUTY_SERVE, *DISPUTES_MEDIATE}),
    Role.INFORMANT: frozenset(
        {
            "incidents.report",
            "incidents.view",
            "calendar.compute",
            *REPORTS_FILE,
            *KEYPERSONS_OWNER,
            *DUTY_SERVE,
            *SCREENINGS_FILE,
        }
    ),
    Role.DUTY: frozenset(
        {
            "duty.log",
            "petitions.register",
            "petitions.view",
            "calendar.compute",
            "calendar.sensitive",
            *DUTY_OFFICE,
            *REPORTS_OFFICE,
            *INCIDENTS_OFFICE,
            *KEYPERSONS_OFFICE,
            *SCREENINGS_FILE,
        }
    ),
    Role.SYSADMIN: frozenset(
        {
            "users.manage",
            "units.manage",
            "units.view",
            "calendar.manage",
            "calendar.compute",
            "rules.manage",
            "templates.manage",
        }
    ),
    Role.SECADMIN: frozenset({"roles.manage", "security.manage", "users.unlock"}),
    Role.AUDITOR: frozenset({"audit.view_log", "audit.archive"}),
}

# Roles whose scope covers the descendants of their unit, not only the unit itself.
SUBTREE_ROLES = frozenset(
    {Role.LEADER, Role.PRINCIPAL, Role.SUPERVISOR, Role.CLERK, Role.DUTY, Role.SYSADMIN, Role.SECADMIN}
)


def capabilities_of(user: Any) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    caps: set[str] = set()
    for role in user.role_codes:
        caps |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(caps)


def has_capability(user: Any, capability: str) -> bool:
    return capability in capabilities_of(user)


def sees_subtree(user: Any) -> bool:
    return bool(user.role_codes & SUBTREE_ROLES)


def ensure_capability(user: Any, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied("您没有执行此操作的权限。")


def capability_required(capability: str) -> Callable:
    """Page decorator: anonymous users go to the login page, the rest need `capability` (403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"/accounts/login/?next={request.path}")
            ensure_capability(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def acting_user(request: HttpRequest) -> User:
    """The signed-in user behind a page or API call (the decorators and the API's auth have let
    only signed-in users through); a job passes None to the services instead."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("请先登录。")
    return user
