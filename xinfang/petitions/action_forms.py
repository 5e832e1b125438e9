"""The petition page's forms for the allowed steps, built from each step's input schema.

Each step's `form` (title, button, hint) and `schema` (the fields) come from its machine: the
petition's own, or one attached to petitions (督办). The forms only collect input: every rule is
checked by the transition function, and its Chinese message is shown when it refuses.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import QueryDict

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.roles import ADMIN_ROLES, Role
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.procedure.forms import Attempt, Choices, choice_keys, form_items, values_from_post

from . import workflow
from .models import Petition
from .selectors import earlier_matters, matter_label


def _steps(actions: list[str]) -> list[tuple[str, Any]]:
    steps = [(action, workflow.step_for(action)) for action in actions]
    return [(action, step) for action, step in steps if step is not None and step.form is not None]


def _scope_option(unit: Unit, depth: int) -> tuple[int, str]:
    return (unit.pk, f"{'　' * max(unit.depth - depth, 0)}{unit.name}")


def choice_lists(needed: set[str], petition: Petition, actor: User) -> dict[str, Choices]:
    """Only the option lists of ids the shown forms need: one query per list at most (the
    schemas' enums carry their own options)."""
    lists: dict[str, Choices] = {}
    assert actor.unit is not None
    if "scope_units" in needed and "all_units" in needed:
        # both lists from one read of the unit tree; scope still comes from `units_visible_to`
        units = list(
            Unit.objects.filter(is_active=True)
            .annotate(in_scope=Exists(units_visible_to(actor).filter(pk=OuterRef("pk"))))
            .only("pk", "name", "depth")
            .order_by("path")
        )
        lists["scope_units"] = [_scope_option(u, actor.unit.depth) for u in units if u.in_scope]
        responsible = workflow.responsible_unit_id(petition)
        lists["all_units"] = [(u.pk, f"{'　' * u.depth}{u.name}") for u in units if u.pk != responsible]
    elif "scope_units" in needed:
        lists["scope_units"] = [
            _scope_option(u, actor.unit.depth)
            for u in units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth")
        ]
    elif "all_units" in needed:
        lists["all_units"] = [
            (u.pk, f"{'　' * u.depth}{u.name}")
            for u in Unit.objects.filter(is_active=True)
            .exclude(pk=workflow.responsible_unit_id(petition))
            .only("pk", "name", "depth")
        ]
    if "handlers" in needed:
        handlers = (
            RoleAssignment.objects.filter(
                role=Role.HANDLER, user__is_active=True, user__unit__in=units_visible_to(actor)
            )
            .select_related("user__unit")
            .order_by("user__unit__path", "user__username")
        )
        # (id, label, unit): the page shows only the handlers of the unit chosen
        lists["handlers"] = [
            (
                a.user_id,
                f"{a.user.unit.name if a.user.unit else ''} · {a.user.full_name or a.user.username}",
                a.user.unit_id,
            )
            for a in handlers
        ]
    if "staff" in needed or "leaders" in needed:
        # the people of the units in scope (挂牌督办's 六定): (id, unit · name, unit), one query
        people = (
            RoleAssignment.objects.filter(
                role__in=[r for r in Role if r not in ADMIN_ROLES],
                user__is_active=True,
                user__unit__in=units_visible_to(actor),
            )
            .select_related("user__unit")
            .order_by("user__unit__path", "user__full_name", "user__pk")
        )
        staff: dict[int, tuple[int, str, int | None]] = {}
        leaders: dict[int, tuple[int, str]] = {}
        for a in people:
            label = f"{a.user.unit.name if a.user.unit else ''} · {a.user.full_name or a.user.username}"
            staff.setdefault(a.user_id, (a.user_id, label, a.user.unit_id))
            if a.role in (Role.LEADER, Role.PRINCIPAL):
                leaders.setdefault(a.user_id, (a.user_id, label))
        lists["staff"] = list(staff.values())
        lists["leaders"] = list(leaders.values())
    if "originals" in needed:
        lists["originals"] = [
            (p.number, matter_label(p)) for p in earlier_matters(actor=actor, petition=petition)
        ]
    return lists


def action_forms(
    actions: list[str], petition: Petition, actor: User, attempt: Attempt | None = None
) -> list[dict[str, Any]]:
    steps = _steps(actions)
    lists = choice_lists(choice_keys([step.schema for _, step in steps]), petition, actor)
    items = form_items([(action, step.form, step.schema) for action, step in steps], lists, attempt)
    if petition.complained_unit_id is None and petition.complained_user_id is None:
        # a matter that complains about no unit or person needs no reason for routing to one
        for item in items:
            item["inputs"] = [i for i in item["inputs"] if i["spec"].name != "complained_reason"]
    return items


def has_form(action: str) -> bool:
    step = workflow.step_for(action)
    return step is not None and step.form is not None


def fields_from_post(action: str, data: QueryDict) -> dict[str, Any]:
    """The step's fields as its schema reads them; empty inputs are left out."""
    step = workflow.step_for(action)
    assert step is not None
    return values_from_post(step.schema, data)
