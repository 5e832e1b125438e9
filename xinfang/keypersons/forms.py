"""The key-person pages' forms and the reads they show (重点人员 / 重点群体).

The register is shown masked (name, ID number, phone: `ListRow`); a person's own page shows them
in full and is audited by the view. A step's form is built from its input schema
(`procedure.forms`), as the incident and duty pages build theirs; the option lists the schemas name
(`categories`, `leaders`, `people`) are computed here, one query for both lists of people.

`person_record` reads what a person's page and the API's detail show besides the person: a fixed
number of queries, whatever the number of visits, alarms, petitions or events."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.models import Petition, PetitionPetitioner
from xinfang.petitions.selectors import identity_hidden, petitions_visible_to
from xinfang.petitions.validators import mask_id_number, mask_name, mask_phone
from xinfang.procedure.forms import Attempt, Choices, choice_keys, form_items
from xinfang.procedure.machine import Form

from . import selectors
from .choices import HitSource, PersonStatus, Risk
from .machine import STEPS, allowed_actions
from .machine.schemas import EnterIn
from .models import KeyGroup, KeyPerson, KeyPersonEvent, KeyPersonHit, Visit

PAGE_SIZE = 25
# the steps that have no form on a person's page: entering is its own page, alarms are the system's
NO_FORM = frozenset({"enter", "hit"})
# 红橙黄蓝 (the orange dark enough for white text: keypersons/partials/_style.html)
RISK_BADGES: dict[str, str] = {
    Risk.RED: "text-bg-danger",
    Risk.ORANGE: "keyperson-risk-orange",
    Risk.YELLOW: "text-bg-warning",
    Risk.BLUE: "text-bg-primary",
}
STATUS_BADGES: dict[str, str] = {
    PersonStatus.ACTIVE: "text-bg-primary",
    PersonStatus.REMOVAL_REQUESTED: "text-bg-warning",
    PersonStatus.REMOVED: "text-bg-secondary",
}
# the buttons that open each step's form (the forms' own buttons say what submitting does)
TOGGLES: dict[str, str] = {
    "visit": "登记走访",
    "update_plan": "调整一人一策",
    "change_owner": "调整责任人",
    "change_risk": "调整风险等级",
    "start_monitoring": "24小时稳控",
    "stop_monitoring": "解除稳控",
    "remove": "申请息访",
    "approve_removal": "批准息访",
    "reject_removal": "不同意息访",
}
# the note's label where the shared input (RemoveIn: 息访理由) means something else
NOTE_LABELS: dict[str, str] = {
    "stop_monitoring": "解除理由",
    "approve_removal": "批准意见",
    "reject_removal": "不同意的理由",
}
VISITS_SHOWN = 100  # the page shows the latest visits; the API all of them
PETITIONS_SHOWN = 50
STATUS_FILTERS: list[tuple[str, str]] = [
    ("", "在册（含息访待批准）"),
    (PersonStatus.ACTIVE.value, PersonStatus.ACTIVE.label),
    (PersonStatus.REMOVAL_REQUESTED.value, PersonStatus.REMOVAL_REQUESTED.label),
    (PersonStatus.REMOVED.value, PersonStatus.REMOVED.label),
    ("all", "全部（含已息访稳定）"),
]


def person_url(person_id: int) -> str:
    return reverse("keypersons:detail", args=[person_id])


# --- units and people in scope --------------------------------------------------------------------


def scope_units(actor: User) -> list[Unit]:
    return list(
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )


def unit_options(units: list[Unit]) -> Choices:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


def category_options() -> Choices:
    return [(c.code, c.name) for c in selectors.categories()]


def people_lists(actor: User) -> dict[str, Choices]:
    """`people` (the active business users of the units in scope) and `leaders` (those of them who
    are leaders or principals): one query, labelled 单位 · 姓名."""
    rows = (
        RoleAssignment.objects.filter(
            role__in=sorted(BUSINESS_ROLES), user__is_active=True, user__unit__in=units_visible_to(actor)
        )
        .select_related("user__unit")
        .order_by("user__unit__path", "user__full_name", "user__pk")
    )
    people: dict[int, tuple[int, str]] = {}
    leaders: dict[int, tuple[int, str]] = {}
    for a in rows:
        label = f"{a.user.unit.name if a.user.unit else ''} · {a.user.full_name or a.user.username}"
        people.setdefault(a.user_id, (a.user_id, label))
        if a.role in (Role.LEADER, Role.PRINCIPAL):
            leaders.setdefault(a.user_id, (a.user_id, label))
    return {"people": list(people.values()), "leaders": list(leaders.values())}


def choice_lists(needed: set[str], actor: User) -> dict[str, Choices]:
    """Only the lists the shown forms need."""
    lists: dict[str, Choices] = {}
    if "categories" in needed:
        lists["categories"] = category_options()
    if needed & {"people", "leaders"}:
        lists.update(people_lists(actor))
    return lists


# --- the register (masked) ------------------------------------------------------------------------


def _user_name(user: User | None) -> str:
    return "" if user is None else (user.full_name or user.username)


def is_overdue(person: KeyPerson, now: datetime) -> bool:
    return (
        person.next_visit_due is not None
        and person.next_visit_due < now
        and person.status != PersonStatus.REMOVED
    )


@dataclass(frozen=True)
class ListRow:
    """One person of the register, masked (the template only prints)."""

    person: KeyPerson
    url: str
    name: str
    id_number: str
    phone: str
    category: str
    risk_badge: str
    risk_label: str
    unit_name: str
    case_owner: str
    stability_owner: str
    status_badge: str
    overdue: bool


def list_rows(persons: list[KeyPerson], now: datetime) -> list[ListRow]:
    """No query besides the persons' own (their unit, category and owners joined)."""
    return [
        ListRow(
            person=p,
            url=person_url(p.pk),
            name=mask_name(p.name),
            id_number=mask_id_number(p.id_number),
            phone=mask_phone(p.phone),
            category=p.category.name,
            risk_badge=RISK_BADGES.get(p.risk, "text-bg-secondary"),
            risk_label=p.get_risk_display(),
            unit_name=p.unit.name,
            case_owner=_user_name(p.case_owner),
            stability_owner=_user_name(p.stability_owner),
            status_badge=STATUS_BADGES.get(p.status, "text-bg-secondary"),
            overdue=is_overdue(p, now),
        )
        for p in persons
    ]


class PersonFilterForm(forms.Form):
    """The register's filters: category, risk, unit, overdue visits and status."""

    category = forms.ChoiceField(label="类别", required=False)
    risk = forms.ChoiceField(label="风险等级", required=False, choices=[("", "全部等级"), *Risk.choices])
    unit = forms.TypedChoiceField(label="责任单位", required=False, coerce=int, empty_value=None)
    visit_overdue = forms.BooleanField(label="走访逾期", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_FILTERS)

    def __init__(self, *args: Any, categories: Choices, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "全部类别"), *categories]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "全部单位"), *unit_options(units)]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if name != "visit_overdue":
                field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["visit_overdue"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, the others kept)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if name in data}


def filtered(actor: User, values: dict[str, Any], now: datetime | None = None) -> Any:
    """The persons of the register the filters keep (a queryset, ordered, not yet paged)."""
    status = values.get("status") or ""
    rows = selectors.person_list(
        actor=actor,
        category=values.get("category") or "",
        risk=values.get("risk") or "",
        unit=values.get("unit"),
        visit_overdue=bool(values.get("visit_overdue")),
        include_removed=bool(status),
        now=now,
    )
    if status in PersonStatus.values:
        rows = rows.filter(status=status)
    return rows


# --- a person's page --------------------------------------------------------------------------------


@dataclass
class Record:
    visits: list[Visit]
    visit_count: int
    hits: list[KeyPersonHit]
    petitions: list[Petition]
    groups: list[KeyGroup]
    events: list[KeyPersonEvent]
    names: dict[int, str]  # the names of the users the events and the record name by id


def linked_petitions(person: KeyPerson, actor: User, limit: int | None = PETITIONS_SHOWN) -> list[Petition]:
    """The petitions whose petitioners carry the person's ID number or are the person's linked
    petitioner's record: only those the actor may see, and none whose petitioner the actor may
    not learn (a matter against the actor's own unit: no retaliation), newest first."""
    condition = Q()
    if person.id_number:
        condition |= Q(petitioner__id_number=person.id_number)
    if person.petitioner_id:
        condition |= Q(petitioner_id=person.petitioner_id)
    if not condition:
        return []
    links = PetitionPetitioner.objects.filter(condition).values("petition_id")
    rows = petitions_visible_to(actor).filter(pk__in=links).order_by("-received_at", "-pk")
    found = list(rows[:limit] if limit is not None else rows)
    return [p for p in found if not identity_hidden(actor, p)]


def _hits_for(person: KeyPerson, actor: User) -> tuple[list[KeyPersonHit], set[str]]:
    """The person's alarms the actor may read, and the numbers of the petitions withheld: an
    alarm from a petition the actor cannot see, or sees without its petitioner (a complaint
    about the actor's unit), would tell them who complained. Two queries."""
    from xinfang.petitions.selectors import identity_hidden, petitions_visible_to

    hits = list(person.hits.all())
    refs = [h.ref_id for h in hits if h.source == HitSource.PETITION]
    allowed: set[int] = set()
    if refs:
        visible = petitions_visible_to(actor).filter(pk__in=refs).only("pk", "protected_path")
        allowed = {p.pk for p in visible if not identity_hidden(actor, p)}
    shown = [h for h in hits if h.source != HitSource.PETITION or h.ref_id in allowed]
    withheld = {h.reference for h in hits if h.source == HitSource.PETITION and h.ref_id not in allowed}
    return shown, withheld


def person_record(person: KeyPerson, actor: User, *, complete: bool = False) -> Record:
    """Everything a person's page shows besides the person, in at most eight queries. The page
    shows the latest visits and petitions, and a history without the visits (they have their own
    table); `complete` (the API): all of them, the visits in the history too."""
    visit_rows = person.visits.select_related("by").order_by("-at", "-pk")
    shown = list(visit_rows if complete else visit_rows[:VISITS_SHOWN])
    count = len(shown) if complete or len(shown) < VISITS_SHOWN else person.visits.count()
    history = person.events.select_related("actor")
    events = list(history if complete else history.exclude(action="visit"))
    wanted = {person.removal_requested_by_id} if person.removal_requested_by_id else set()
    for event in events:
        for key in ("case_owner", "stability_owner", "monitor"):
            value = (event.data or {}).get(key)
            if isinstance(value, int):
                wanted.add(value)
    names = (
        {u.pk: _user_name(u) for u in User.objects.filter(pk__in=wanted).only("pk", "full_name", "username")}
        if wanted
        else {}
    )
    hits, withheld = _hits_for(person, actor)
    for event in events:  # the history keeps the alarm, without the petition it must not name
        if event.action == "hit" and (event.data or {}).get("reference") in withheld:
            event.data = {**event.data, "reference": "（无权查看）"}
    return Record(
        visits=shown,
        visit_count=count,
        hits=hits,
        petitions=linked_petitions(person, actor, None if complete else PETITIONS_SHOWN),
        groups=list(selectors.groups_visible_to(actor).filter(members=person).select_related("category")),
        events=events,
        names=names,
    )


def hit_link(hit: KeyPersonHit) -> str:
    """Where an alarm's source is read: a petition's or an incident's page ("" for a duty-log
    entry, whose text says where it is)."""
    if hit.source == HitSource.PETITION:
        return reverse("petitions:detail", args=[hit.ref_id])
    if hit.source == HitSource.INCIDENT:
        return reverse("incidents:detail", args=[hit.ref_id])
    return ""


MATCHED_BY = {"id_number": "身份证号", "name_phone": "姓名和电话", "name": "姓名"}


def hit_rows(record: Record) -> list[dict[str, Any]]:
    return [
        {
            "hit": h,
            "source": h.get_source_display(),
            "link": hit_link(h),
            "matched_by": MATCHED_BY.get(h.matched_by, h.matched_by),
        }
        for h in record.hits
    ]


def _label(choices: type[Risk] | type[PersonStatus], value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _when(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return f"{timezone.localtime(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
    except ValueError:
        return ""


def event_text(event: KeyPersonEvent, record: Record) -> str:
    """What a step did, in words (from the data the step left on its event)."""
    data, action = event.data or {}, event.action
    names = record.names
    if action == "enter":
        return f"风险等级{_label(Risk, data.get('risk'))}，每 {data.get('contact_days', '')} 天走访一次"
    if action == "update_plan":
        days = f"走访频次 {data.get('old_contact_days', '')} 天 → {data.get('contact_days', '')} 天"
        return days if data.get("old_contact_days") != data.get("contact_days") else ""
    if action == "change_owner":
        return (
            f"包案责任人：{names.get(data.get('case_owner', 0), '—')}；"
            f"稳控责任人：{names.get(data.get('stability_owner', 0), '—')}"
        )
    if action == "change_risk":
        return f"{_label(Risk, data.get('risk_from'))} → {_label(Risk, data.get('risk'))}"
    if action == "start_monitoring":
        return f"专人稳控：{names.get(data.get('monitor', 0), '—')}"
    if action == "visit":
        return f"走访时间 {_when(data.get('at'))}" + ("，有上访苗头" if data.get("sign") else "")
    if action in ("approve_removal", "reject_removal"):
        return f"息访理由：{data['reason']}" if data.get("reason") else ""
    if action == "hit":
        source = data.get("source")
        label = HitSource(source).label if source in HitSource.values else ""
        return f"出现在{label} {data.get('reference', '')}（比对依据：{MATCHED_BY.get(data.get('matched_by', ''), '')}）"
    return ""


def timeline(record: Record) -> list[dict[str, Any]]:
    """The person's history, oldest first: each step with its Chinese label, who, the state it
    left and its note; a plan's change keeps the plan it replaced."""
    rows = []
    for event in record.events:
        step = STEPS.get(event.action)
        data = event.data or {}
        rows.append(
            {
                "event": event,
                "label": step.label if step is not None else event.action,
                "actor": _user_name(event.actor) if event.actor is not None else "系统",
                "text": event_text(event, record),
                "old_plan": str(data.get("old_plan", "")) if event.action == "update_plan" else "",
                "status_changed": event.from_status != event.to_status,
                "to_label": _label(PersonStatus, event.to_status),
            }
        )
    return rows


def offered(person: KeyPerson, actor: User) -> list[str]:
    """The steps the actor may take now: the machine's `allowed_actions` without those its effect
    would refuse as done already (starting the 24-hour watch twice, stopping one not running)."""
    done = {"start_monitoring": person.monitored, "stop_monitoring": not person.monitored}
    return [a for a in allowed_actions(person, actor) if not done.get(a)]


def needed_lists(actions: list[str]) -> set[str]:
    return choice_keys([STEPS[a].schema for a in actions if a in STEPS and a not in NO_FORM])


def _prefill(person: KeyPerson, action: str) -> dict[str, str]:
    """What a closed form starts with: the plan being changed, where the person is now."""
    if action == "update_plan":
        return {
            "plan": person.plan,
            "contact_days": str(person.contact_days),
            "assistance": person.assistance,
            "matter": person.matter,
            "demands": person.demands,
        }
    if action == "visit":
        return {"location": person.location}
    return {}


def step_forms(
    actions: list[str], lists: dict[str, Choices], person: KeyPerson, attempt: Attempt | None = None
) -> list[dict[str, Any]]:
    """The person's forms in the table's order (a form whose required list is empty is left out);
    a refused form opens again with what was typed and its fields' messages."""
    shown = [a for a in actions if a not in NO_FORM and STEPS[a].form is not None]
    items = form_items([(a, STEPS[a].form, STEPS[a].schema) for a in shown], lists, attempt)
    kept = []
    for item in items:
        action = item["action"]
        item["toggle"] = TOGGLES.get(action, STEPS[action].label)
        prefill = {} if item["open"] else _prefill(person, action)
        for entry in item["inputs"]:
            name = entry["spec"].name
            if name in prefill and prefill[name]:
                entry["value"], entry["values"] = prefill[name], [prefill[name]]
            if name == "note" and action in NOTE_LABELS:
                entry["spec"] = replace(entry["spec"], label=NOTE_LABELS[action])
        empty = [e for e in item["inputs"] if e["spec"].required and e["spec"].choices and not e["choices"]]
        if not empty:
            kept.append(item)
    return kept


# --- the enter form --------------------------------------------------------------------------------

ENTER_FORM = Form("列管重点人员", "列管", "btn-primary")


def enter_items(
    actor: User, units: list[Unit], data: QueryDict | None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """The enter form: `EnterIn`'s inputs (what was typed, or a blank form visited every 30 days in
    the actor's unit) and the unit select."""
    lists = {"scope_units": unit_options(units), **choice_lists(choice_keys([EnterIn]), actor)}
    if data is None:
        data = QueryDict(mutable=True)
        data["contact_days"] = "30"
        if actor.unit_id:
            data["unit"] = str(actor.unit_id)
    attempt = Attempt(action="enter", data=data, errors=errors or {})
    item = form_items([("enter", ENTER_FORM, EnterIn)], lists, attempt)[0]
    chosen = data.get("unit", "") or (str(actor.unit_id) if actor.unit_id else "")
    return {
        "item": item,
        "units": lists["scope_units"],
        "unit": chosen,
        "unit_error": (errors or {}).get("unit", ""),
        "no_leaders": not lists.get("leaders"),
    }


# --- key groups --------------------------------------------------------------------------------------


def member_options(actor: User) -> Choices:
    """The persons the actor sees and may put in a group, masked (姓名 身份证号 · 类别 · 单位)."""
    rows = (
        selectors.persons_visible_to(actor)
        .exclude(status=PersonStatus.REMOVED)
        .select_related("category", "unit")
        .only("pk", "name", "id_number", "category__name", "unit__name")
        .order_by("unit_path", "name", "pk")
    )
    return [
        (p.pk, f"{mask_name(p.name)} {mask_id_number(p.id_number)} · {p.category.name} · {p.unit.name}")
        for p in rows
    ]


class GroupForm(BootstrapFormMixin, forms.Form):
    """A new key group's fields; `services.group_save` checks every rule and answers in Chinese."""

    name = forms.CharField(label="群体名称", max_length=100)
    unit = forms.TypedChoiceField(label="责任单位", coerce=int)
    category = forms.ChoiceField(label="类别")
    size = forms.IntegerField(label="大约人数", min_value=1, max_value=100000)
    leaders = forms.CharField(label="牵头人", max_length=200, required=False)
    case_owner = forms.TypedChoiceField(label="包案责任人（领导）", coerce=int)
    stability_owner = forms.TypedChoiceField(label="稳控责任人", coerce=int)
    members = forms.TypedMultipleChoiceField(
        label="成员（重点人员）",
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="按住 Ctrl 可多选；只列出您可见的在册重点人员。",
    )
    matter = forms.CharField(label="反映事项", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    history = forms.CharField(
        label="以往上访及事件情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )

    def __init__(
        self, *args: Any, units: list[Unit], lists: dict[str, Choices], members: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_options(units)  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", "请选择"), *lists.get("categories", [])]  # type: ignore[attr-defined]
        self.fields["case_owner"].choices = [("", "请选择"), *lists.get("leaders", [])]  # type: ignore[attr-defined]
        self.fields["stability_owner"].choices = [("", "请选择"), *lists.get("people", [])]  # type: ignore[attr-defined]
        self.fields["members"].choices = members  # type: ignore[attr-defined]
        for field in self.fields.values():
            classes = field.widget.attrs.get("class", "")
            if classes in ("form-select", "form-control"):
                field.widget.attrs["class"] = f"{classes} {classes}-sm"


def groups_in_scope(actor: User) -> Any:
    return (
        selectors.groups_visible_to(actor)
        .select_related("unit", "category", "case_owner", "stability_owner")
        .order_by("unit_path", "name", "pk")
    )


def group_rows(groups: list[KeyGroup], actor: User) -> list[dict[str, Any]]:
    """Key groups, each with the members the actor sees (masked): one query for all members."""
    visible = selectors.persons_visible_to(actor).only("pk", "name", "status").order_by("name", "pk")
    prefetch_related_objects(groups, Prefetch("members", queryset=visible, to_attr="seen"))
    return [
        {
            "group": g,
            "members": [
                {
                    "url": person_url(p.pk),
                    "name": mask_name(p.name),
                    "removed": p.status == PersonStatus.REMOVED,
                }
                for p in g.seen  # type: ignore[attr-defined]
            ],
        }
        for g in groups
    ]
