"""The dispute pages' forms and the reads they show (矛盾纠纷调处).

The list shows the parties masked (`ListRow`); the case file (卷宗) shows them in full and is
audited by the view. A step's form is built from its input schema (`procedure.forms`), as the key
persons' and incidents' pages build theirs; the option lists the schemas name (`mediators`,
`parties`, `terms`, `joint_units`, `kinds`) are computed here, each in one query and only when a
shown form needs it.

`dispute_record` reads what the case file shows besides the dispute: a fixed number of queries,
whatever the number of parties, sessions, agreements, visits or events."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Prefetch, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.permissions import ROLE_CAPABILITIES, has_capability
from xinfang.core.bounds import DATE_MAX, DATE_MIN, ID_MAX
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.forms import BootstrapFormMixin
from xinfang.documents.models import Document
from xinfang.documents.selectors import documents_of
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.validators import mask_name
from xinfang.procedure.forms import Attempt, Choices, choice_keys, form_items
from xinfang.procedure.inputs import validate
from xinfang.procedure.machine import Form

from . import selectors
from .choices import (
    AgreementForm,
    Confirmation,
    Destination,
    DisputeStatus,
    Joint,
    Outcome,
    PartyKind,
    Route,
    Satisfaction,
    Source,
)
from .machine import MEDIATOR_ROLES, STEPS, allowed_actions
from .machine.schemas import RegisterIn
from .models import (
    OWNER_TYPE,
    Agreement,
    AgreementTerm,
    Dispute,
    DisputeEvent,
    DisputeParty,
    DisputeSession,
    DisputeSetting,
    DisputeVisit,
)

S = DisputeStatus
PAGE_SIZE = 25
PARTY_ROWS = 5  # the register form's party rows (blank rows are ignored; no script needed)
PARTY_FIELDS = ("name", "kind", "id_number", "phone", "address")
PARTY_MAX = {"name": 100, "id_number": 18, "phone": 20, "address": 200}
# the steps without a form on the case file: registering is its own page, links are the services'
NO_FORM = frozenset({"register", "link"})
CLASS_CHOICES: list[tuple[int, str]] = [(1, "一类"), (2, "二类"), (3, "三类")]
STATUS_BADGES: dict[str, str] = {
    S.REGISTERED: "text-bg-warning",
    S.MEDIATING: "text-bg-primary",
    S.DRAFTING: "text-bg-info",
    S.PERFORMING: "text-bg-primary",
    S.PERFORMED: "text-bg-success",
    S.FAILED: "text-bg-danger",
    S.REFERRED: "text-bg-secondary",
    S.CLOSED: "text-bg-dark",
}
CLASS_BADGES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-secondary"}
RISK_BADGES = {"high": "text-bg-danger", "medium": "text-bg-warning", "low": "text-bg-secondary"}
# the buttons that open each step's form (the forms' own buttons say what submitting does)
TOGGLES: dict[str, str] = {
    "assign_mediator": "指定调解员",
    "recuse": "回避",
    "add_party": "补充当事人",
    "investigate": "调查取证",
    "record_session": "调解会",
    "join": "联合调解",
    "escalate": "上交",
    "record_outcome": "调解结果",
    "draft_agreement": "拟定协议书",
    "make_effective": "协议生效",
    "record_confirmation": "司法确认",
    "mark_performed": "登记履行",
    "performance_failed": "不履行",
    "record_visit": "回访",
    "refer": "导出",
    "close": "结案",
}
SUCCESS: dict[str, str] = {
    "assign_mediator": "已指定调解员，并通知本人",
    "recuse": "调解员已回避，请另行指定调解员",
    "add_party": "已补充当事人",
    "investigate": "已登记调查情况",
    "record_session": "已记录调解会",
    "join": "已邀请联合调解",
    "escalate": "已上交上一层级",
    "record_outcome": "已记录调解结果",
    "draft_agreement": "已生成调解协议书",
    "make_effective": "调解协议已生效，司法确认申请期和回访期限开始计算",
    "record_confirmation": "已记录司法确认情况",
    "mark_performed": "已登记履行",
    "performance_failed": "已登记协议不履行",
    "record_visit": "已登记回访",
    "refer": "已导出",
    "close": "已结案",
}
# where a failed mediation goes from the 导出 form: the petition procedure and an incident have
# their own forms (their services register the petition or the incident first)
REFER_TO_HERE = frozenset({Destination.LITIGATION, Destination.ARBITRATION, Destination.ADMINISTRATIVE})


def dispute_url(dispute_id: int) -> str:
    return reverse("disputes:detail", args=[dispute_id])


def _user_name(user: User | None) -> str:
    return "" if user is None else (user.full_name or user.username)


def _label(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def level_label(levels: list[str], level: int) -> str:
    return levels[level - 1] if 0 < level <= len(levels) else f"第{level}级"


# --- units in scope ----------------------------------------------------------------------------


def scope_units(actor: User) -> list[Unit]:
    return list(
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )


def unit_options(units: list[Unit]) -> Choices:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


def kind_options() -> Choices:
    return [(k.code, k.name) for k in selectors.kinds()]


# --- the list (masked) ---------------------------------------------------------------------------


def visit_overdue(dispute: Dispute, today: date) -> bool:
    return (
        dispute.next_visit_due is not None
        and dispute.next_visit_due < today
        and dispute.visited_at is None
        and dispute.status in (S.PERFORMING, S.PERFORMED)
    )


@dataclass(frozen=True)
class ListRow:
    """One dispute of the list, its parties masked (the template only prints)."""

    dispute: Dispute
    url: str
    parties: str
    kind: str
    unit_name: str
    class_label: str
    class_badge: str
    route: str
    level: str
    status_label: str
    status_badge: str
    overdue: bool


def list_rows(disputes: list[Dispute], levels: list[str], today: date) -> list[ListRow]:
    """One query for the page's parties (their unit and kind are joined already)."""
    parties: dict[int, list[str]] = {}
    if disputes:
        rows = (
            DisputeParty.objects.filter(dispute_id__in=[d.pk for d in disputes])
            .order_by("dispute_id", "order", "pk")
            .values_list("dispute_id", "name")
        )
        for dispute_id, name in rows:
            parties.setdefault(dispute_id, []).append(mask_name(name))
    out = []
    for d in disputes:
        names = parties.get(d.pk, [])
        shown = "、".join(names[:3]) + (f" 等{len(names)}人" if len(names) > 3 else "")
        out.append(
            ListRow(
                dispute=d,
                url=dispute_url(d.pk),
                parties=shown or "—",
                kind=d.kind.name,
                unit_name=d.unit.name,
                class_label=d.class_label,
                class_badge=CLASS_BADGES.get(d.dispute_class, "text-bg-secondary"),
                route=_label(Route, d.route),
                level=level_label(levels, d.level),
                status_label=_label(DisputeStatus, d.status),
                status_badge=STATUS_BADGES.get(d.status, "text-bg-secondary"),
                overdue=visit_overdue(d, today),
            )
        )
    return out


class DisputeFilterForm(forms.Form):
    """The list's filters: status, kind, class, unit and overdue return visits."""

    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *S.choices])
    kind = forms.ChoiceField(label="纠纷类别", required=False)
    dispute_class = forms.TypedChoiceField(
        label="等级",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全部等级"), *CLASS_CHOICES],
    )
    unit = forms.TypedChoiceField(label="发生单位", required=False, coerce=int, empty_value=None)
    visit_overdue = forms.BooleanField(label="回访逾期", required=False)

    def __init__(self, *args: Any, kinds: Choices, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部类别"), *kinds]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "全部单位"), *unit_options(units)]  # type: ignore[attr-defined]
        for name, item in self.fields.items():
            if name != "visit_overdue":
                item.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["visit_overdue"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, the others kept)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if name in data}


def filtered(actor: User, values: dict[str, Any], today: date) -> Any:
    return selectors.dispute_list(
        actor=actor,
        status=values.get("status") or "",
        kind=values.get("kind") or "",
        unit=values.get("unit"),
        dispute_class=values.get("dispute_class"),
        visit_overdue_on=today if values.get("visit_overdue") else None,
    )


# --- registering --------------------------------------------------------------------------------

REGISTER_FORM = Form("登记矛盾纠纷", "登记", "btn-primary")
# what a blank form starts with (the schema's defaults)
REGISTER_DEFAULTS = {"people": "2", "risk": "low", "procedure": "full", "source": "walk_in"}


def party_rows(data: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The form's five party rows: what was typed and each field's message."""
    rows = []
    for index in range(PARTY_ROWS):
        values = {
            name: (data.get(f"party-{index}-{name}", "") if data is not None else "") for name in PARTY_FIELDS
        }
        rows.append(
            {
                "index": index,
                "number": index + 1,
                "values": values,
                "errors": {name: errors.get(f"party-{index}-{name}", "") for name in PARTY_FIELDS},
            }
        )
    return rows


def parties_from_post(data: QueryDict) -> tuple[list[dict[str, Any]], list[int], dict[str, str]]:
    """The party rows typed (blank rows left out), the form row of each, and the rows' own
    messages (a row without a name, a value too long) keyed as the form's fields."""
    parties: list[dict[str, Any]] = []
    rows: list[int] = []
    errors: dict[str, str] = {}
    for index in range(PARTY_ROWS):
        values = {name: data.get(f"party-{index}-{name}", "").strip() for name in PARTY_FIELDS}
        if not any(values[name] for name in ("name", "id_number", "phone", "address")):
            continue
        number = index + 1
        if not values["name"]:
            errors[f"party-{index}-name"] = f"请填写第{number}位当事人的姓名或名称。"
        for name, limit in PARTY_MAX.items():
            if len(values[name]) > limit:
                errors[f"party-{index}-{name}"] = f"第{number}位当事人：不能超过 {limit} 字。"
        if values["kind"] not in PartyKind.values:
            values["kind"] = PartyKind.PERSON
        parties.append(values)
        rows.append(index)
    if not parties:
        errors["parties"] = "请至少填写一位当事人。"
    return parties, rows, errors


def party_errors(errors: dict[str, Any], rows: list[int]) -> dict[str, str]:
    """The machine's `parties[0].id_number` messages at the form row they came from."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        if not isinstance(message, str):
            continue
        if key.startswith("parties[") and "]." in key:
            position, _, name = key[len("parties[") :].partition("].")
            if (position.isascii() and position.isdigit()) and int(position) < len(rows):
                out[f"party-{rows[int(position)]}-{name}"] = message
                continue
        out[key] = message
    return out


def check_register(fields: dict[str, Any], row_errors: dict[str, str]) -> None:
    """When the party rows are refused before the service is asked, the other fields are checked
    too, so that one answer names every mistake."""
    if not row_errors:
        return
    errors = dict(row_errors)
    try:
        validate(RegisterIn, {**fields, "parties": [{"name": "—"}]})
    except ValidationFailed as exc:
        errors.update({k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)})
    first = next(iter(row_errors.values()))
    raise ValidationFailed(first if len(errors) == 1 else f"登记信息有误：{first}", errors)


def register_items(
    *,
    data: Any,
    errors: dict[str, str] | None = None,
    hide: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The register form: `RegisterIn`'s inputs (the class as a select: blank is by rule), and the
    party rows; `hide`: inputs a caller fills itself (a petition's source)."""
    errors = errors or {}
    if data is None:
        data = QueryDict(mutable=True)
        data.update(REGISTER_DEFAULTS)
    attempt = Attempt(action="register", data=data, errors=errors)
    item = form_items([("register", REGISTER_FORM, RegisterIn)], {"kinds": kind_options()}, attempt)[0]
    item["inputs"] = [entry for entry in item["inputs"] if entry["spec"].name not in hide]
    for entry in item["inputs"]:
        if entry["spec"].name == "dispute_class":
            entry["spec"] = replace(entry["spec"], kind="select", label="纠纷等级")
            entry["choices"] = CLASS_CHOICES
    return {
        "item": item,
        "parties": party_rows(data, errors),
        "parties_error": errors.get("parties", ""),
        "party_kinds": PartyKind.choices,
    }


# --- the case file --------------------------------------------------------------------------------


@dataclass
class Record:
    parties: list[DisputeParty]
    sessions: list[DisputeSession]
    agreements: list[Agreement]  # newest first, with their terms
    visits: list[DisputeVisit]
    events: list[DisputeEvent]
    documents: list[Document]
    setting: DisputeSetting
    names: dict[int, str] = field(default_factory=dict)  # users the events and the record name

    @property
    def agreement(self) -> Agreement | None:
        return self.agreements[0] if self.agreements else None


def dispute_record(dispute: Dispute) -> Record:
    """Everything of one dispute besides the dispute itself, in at most nine queries (the
    agreements and their terms, events, the users they name, parties, sessions, visits, documents,
    the setting)."""
    terms = Prefetch("terms", queryset=AgreementTerm.objects.order_by("order"))
    agreements = list(
        dispute.agreements.select_related("drafted_by").prefetch_related(terms).order_by("-version")
    )
    events = list(dispute.events.select_related("actor"))
    wanted: set[int] = {int(r["user"]) for r in dispute.recused or [] if isinstance(r.get("user"), int)}
    for event in events:
        for key in ("mediator", "recused"):
            value = (event.data or {}).get(key)
            if isinstance(value, int):
                wanted.add(value)
    names = (
        {u.pk: _user_name(u) for u in User.objects.filter(pk__in=wanted).only("pk", "full_name", "username")}
        if wanted
        else {}
    )
    # prefetched onto the dispute: the guard "a session was held" then reads them, no query
    prefetch_related_objects(
        [dispute], "parties", Prefetch("sessions", queryset=DisputeSession.objects.select_related("by"))
    )
    return Record(
        parties=list(dispute.parties.all()),
        sessions=list(dispute.sessions.all()),
        agreements=agreements,
        visits=list(dispute.visits.select_related("by")),
        events=events,
        documents=list(documents_of(owner_type=OWNER_TYPE, owner_id=dispute.pk)),
        setting=DisputeSetting.load(),
        names=names,
    )


def chain_rows(dispute: Dispute, levels: list[str]) -> list[dict[str, Any]]:
    return [
        {"level": i, "label": label, "current": i == dispute.level, "passed": i < dispute.level}
        for i, label in enumerate(levels, start=1)
    ]


def agreement_view(record: Record) -> dict[str, Any] | None:
    """The current agreement: its terms with their performance, and who has signed."""
    agreement = record.agreement
    if agreement is None:
        return None
    signed = set(agreement.signed_parties or [])
    terms = list(agreement.terms.all())
    return {
        "agreement": agreement,
        "terms": terms,
        "performed": sum(1 for t in terms if t.performed_at is not None),
        "signatures": [{"name": p.name, "signed": p.pk in signed} for p in record.parties],
        "older": len(record.agreements) - 1,
    }


def source_link(dispute: Dispute) -> dict[str, str]:
    """Where the dispute came from: a petition's or a sign's page, else its label and number."""
    url = ""
    if dispute.source == Source.PETITION and dispute.source_id:
        url = reverse("petitions:detail", args=[dispute.source_id])
    elif dispute.source == Source.SIGN and dispute.source_id:
        url = reverse("inforeports:detail", args=[dispute.source_id])
    elif dispute.source == Source.SCREENING and dispute.source_id:
        url = reverse("screenings:detail", args=[dispute.source_id])
    return {"label": _label(Source, dispute.source), "number": dispute.source_number, "url": url}


def joint_rows(dispute: Dispute) -> list[dict[str, str]]:
    """The units invited to joint mediation: the kind (派出所 …) and the unit named."""
    return [
        {"label": _label(Joint, j.get("kind")), "name": str(j.get("name") or "")} for j in dispute.joint or []
    ]


LINK_KINDS = {"petition": ("信访件", "petitions:detail"), "incident": ("突发事件", "incidents:detail")}


def link_rows(dispute: Dispute) -> list[dict[str, str]]:
    """What the dispute became (a petition, an incident)."""
    rows = []
    for link in dispute.links or []:
        label, route = LINK_KINDS.get(str(link.get("kind")), (str(link.get("kind", "")), ""))
        target = link.get("id")
        rows.append(
            {
                "label": label,
                "number": str(link.get("number") or target or ""),
                "url": reverse(route, args=[target]) if route and isinstance(target, int) else "",
            }
        )
    return rows


def document_rows(record: Record) -> list[dict[str, Any]]:
    """The issued 调解协议书, each with the version its step drafted (newest first)."""
    versions = {e.pk: (e.data or {}).get("version") for e in record.events if e.action == "draft_agreement"}
    current = record.agreement.version if record.agreement is not None else None
    rows = []
    for document in reversed(record.documents):
        version = versions.get(document.event_id or 0)
        rows.append({"document": document, "version": version, "current": version == current})
    return rows


def _when(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return f"{moment:%Y-%m-%d}"
    return f"{timezone.localtime(moment) if timezone.is_aware(moment) else moment:%Y-%m-%d %H:%M}"


def event_text(event: DisputeEvent, dispute: Dispute, record: Record) -> str:
    """What a step did, in words (from the data the step left on its event)."""
    data, action, names = event.data or {}, event.action, record.names
    levels = record.setting.levels
    if action == "register":
        route = _label(Route, data.get("route"))
        klass = dict(CLASS_CHOICES).get(data.get("dispute_class", 0), "")
        return (
            f"{klass}纠纷，分流至{route}（{level_label(levels, int(data.get('level') or 1))}），"
            f"当事人 {data.get('parties', 0)} 人，来源：{_label(Source, data.get('source'))}"
        )
    if action == "assign_mediator":
        return f"调解员：{names.get(data.get('mediator', 0), '—')}"
    if action == "recuse":
        return f"回避的调解员：{names.get(data.get('recused', 0), '—')}"
    if action == "record_session":
        return f"调解时间 {_when(data.get('at'))}"
    if action == "join":
        unit = next((j.get("name") for j in dispute.joint or [] if j.get("kind") == data.get("joint")), "")
        return _label(Joint, data.get("joint")) + (f"（{unit}）" if unit else "")
    if action == "escalate":
        text = f"{level_label(levels, int(data.get('from_level') or 1))} → {data.get('level_label', '')}"
        if not data.get("conditions"):
            return text
        # the three conditions of seed 001-5, as recorded
        return (
            f"{text}，上交镇（街道）中心（矛盾上交）。当事人请求：{data.get('party_request', '')}；"
            f"调委会调查情况和初步意见：{data.get('committee_opinion', '')}；"
            f"无法解决的原因：{data.get('why_unsolvable', '')}"
        )
    if action == "record_outcome":
        text = _label(Outcome, data.get("outcome"))
        if data.get("agreement_form"):
            text += f"，{_label(AgreementForm, data.get('agreement_form'))}"
        return text
    if action == "draft_agreement":
        return f"第 {data.get('version', '')} 版，协议条款 {data.get('terms', 0)} 条"
    if action == "make_effective":
        ends = _when(data.get("confirmation_ends"))
        return f"第 {data.get('version', '')} 版生效" + (f"，司法确认申请期至 {ends}" if ends else "")
    if action == "record_confirmation":
        return _label(Confirmation, data.get("result")) + (
            f"（{_when(data.get('on'))}）" if data.get("on") else ""
        )
    if action == "mark_performed":
        term = f"第 {data['term']} 条，" if data.get("term") else ""
        return f"{term}履行日期 {_when(data.get('performed_on'))}"
    if action == "performance_failed":
        return "告知当事人向人民法院起诉" if data.get("then") == Destination.LITIGATION else "重新调解"
    if action == "record_visit":
        performed = "协议已履行" if data.get("performed") else "协议未履行"
        return f"{_label(Satisfaction, data.get('satisfaction'))}，{performed}"
    if action in ("refer", "link"):
        link = data.get("link") or {}
        to = _label(Destination, data.get("to")) if data.get("to") else ""
        number = link.get("number", "") if isinstance(link, dict) else ""
        return "，".join(t for t in (to, number) if t)
    return ""


def timeline(dispute: Dispute, record: Record) -> list[dict[str, Any]]:
    rows = []
    for event in record.events:
        step = STEPS.get(event.action)
        rows.append(
            {
                "event": event,
                "label": step.label if step is not None else event.action,
                "actor": _user_name(event.actor) if event.actor is not None else "系统",
                "text": event_text(event, dispute, record),
                "status_changed": event.from_status != event.to_status,
                "to_label": _label(DisputeStatus, event.to_status),
            }
        )
    return rows


# --- the step forms ---------------------------------------------------------------------------------


def offered(dispute: Dispute, actor: User) -> list[str]:
    return [a for a in allowed_actions(dispute, actor) if a not in NO_FORM and STEPS[a].form is not None]


def needed_lists(actions: list[str]) -> set[str]:
    return choice_keys([STEPS[a].schema for a in actions])


MEDIATING_ROLES = [r for r in MEDIATOR_ROLES if "disputes.mediate" in ROLE_CAPABILITIES.get(r, frozenset())]


def centre_of(dispute: Dispute) -> Unit:
    """The handling unit's organ (the township and its centre), or the handling unit itself."""
    handling = dispute.handling_unit
    organ = Unit.objects.filter(pk=handling.organ_id).first() if handling.organ_id else None
    return organ or handling


def mediator_options(dispute: Dispute, centre: Unit) -> Choices:
    """The active users who may mediate: the committee's own people and those of the township
    centre (`centre` and below: the machine's own rule), never one who recused; one query,
    labelled 单位 · 姓名, the handling unit's people first."""
    recused = {r.get("user") for r in dispute.recused or []}
    rows = (
        RoleAssignment.objects.filter(
            role__in=MEDIATING_ROLES,
            user__is_active=True,
            user__unit__path__startswith=centre.path,
        )
        .select_related("user__unit")
        .order_by("user__unit__path", "user__full_name", "user__pk")
    )
    own: dict[int, tuple[int, str]] = {}
    others: dict[int, tuple[int, str]] = {}
    handling_path = dispute.handling_unit.path
    for a in rows:
        if a.user_id in recused or a.user.unit is None:
            continue
        label = f"{a.user.unit.name} · {_user_name(a.user)}"
        target = own if a.user.unit.path.startswith(handling_path) else others
        target.setdefault(a.user_id, (a.user_id, label))
    return [*own.values(), *(v for k, v in others.items() if k not in own)]


def joint_unit_options(centre: Unit) -> Choices:
    """The units of the township (the handling unit's organ) for joint mediation."""
    units = list(
        Unit.objects.filter(path__startswith=centre.path, is_active=True)
        .only("pk", "name", "depth", "path")
        .order_by("path")
    )
    return unit_options(units)


def choice_lists(needed: set[str], dispute: Dispute, record: Record) -> dict[str, Choices]:
    """Only the lists the shown forms need."""
    lists: dict[str, Choices] = {}
    centre = centre_of(dispute) if needed & {"mediators", "joint_units"} else None
    if "mediators" in needed and centre is not None:
        lists["mediators"] = mediator_options(dispute, centre)
    if "parties" in needed:
        lists["parties"] = [(p.pk, p.name) for p in record.parties]
    if "terms" in needed:
        agreement = record.agreement
        terms = list(agreement.terms.all()) if agreement is not None else []
        lists["terms"] = [
            (t.pk, f"第{t.order}条：{t.text[:40]}{'…' if len(t.text) > 40 else ''}")
            for t in terms
            if t.performed_at is None
        ]
    if "joint_units" in needed and centre is not None:
        lists["joint_units"] = joint_unit_options(centre)
    if "kinds" in needed:
        lists["kinds"] = kind_options()
    return lists


def _prefill(dispute: Dispute, action: str, record: Record) -> dict[str, str]:
    """What a closed form starts with: the dispute's facts for the agreement, its place."""
    if action == "draft_agreement":
        current = record.agreement
        if current is not None:
            return {
                "facts": current.facts,
                "disputed_items": current.disputed_items,
                "responsibility": current.responsibility,
                "terms": "\n".join(t.text for t in current.terms.all()),
                "performance_how": current.performance_how,
                "performance_where": current.performance_where,
                "performance_by": f"{current.performance_by:%Y-%m-%d}",
            }
        return {"facts": dispute.facts, "disputed_items": dispute.demands, "performance_where": dispute.place}
    if action == "record_session":
        return {"place": dispute.place}
    if action == "escalate":
        return {"to_level": str(dispute.level + 1)}
    return {}


def step_forms(
    actions: list[str],
    lists: dict[str, Choices],
    dispute: Dispute,
    record: Record,
    attempt: Attempt | None = None,
) -> list[dict[str, Any]]:
    """The dispute's forms in the table's order (a form whose required list is empty is left out);
    a refused form opens again with what was typed and its fields' messages."""
    items = form_items([(a, STEPS[a].form, STEPS[a].schema) for a in actions], lists, attempt)
    kept = []
    for item in items:
        action = item["action"]
        item["toggle"] = TOGGLES.get(action, STEPS[action].label)
        prefill = {} if item["open"] else _prefill(dispute, action, record)
        for entry in item["inputs"]:
            name = entry["spec"].name
            if name in prefill and prefill[name]:
                entry["value"], entry["values"] = prefill[name], [prefill[name]]
            if action == "refer" and name == "to":
                entry["choices"] = [c for c in entry["choices"] if c[0] in REFER_TO_HERE]
        empty = [e for e in item["inputs"] if e["spec"].required and e["spec"].choices and not e["choices"]]
        if not empty:
            kept.append(item)
    return kept


def category_options() -> list[tuple[str, list[tuple[str, str]]]]:
    """The petitions' categories as option groups (first level → second level); one query."""
    from xinfang.petitions.selectors import category_tree

    tree = category_tree()
    children: dict[int, list[tuple[str, str]]] = {}
    for category in tree:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append((category.code, category.name))
    return [
        (category.name, children.get(category.pk) or [(category.code, category.name)])
        for category in tree
        if category.parent_id is None
    ]


# --- a petition's page (访调对接) -------------------------------------------------------------------


def petition_notes(petition: Any, actor: Any) -> list[str]:
    """The note on a petition's page: the dispute it became (a link for those who see it), or for
    whoever registers disputes, the way into mediation (never for the complained-about unit,
    which does not see the petitioners who would become the parties)."""
    if not isinstance(actor, User) or not has_capability(actor, "disputes.view"):
        return []
    existing = (
        Dispute.objects.filter(source=Source.PETITION, source_id=petition.pk)
        .only("pk", "registered_at")
        .order_by("pk")
        .first()
    )
    if existing is not None:
        if selectors.disputes_visible_to(actor).filter(pk=existing.pk).exists():
            return [
                format_html('已转入人民调解：<a href="{}">{}</a>', dispute_url(existing.pk), existing.number)
            ]
        return [f"已转入人民调解：{existing.number}"]
    from xinfang.petitions.selectors import identity_hidden

    if not has_capability(actor, "disputes.register") or identity_hidden(actor, petition):
        return []
    url = reverse("disputes:from_petition", args=[petition.pk])
    return [format_html('适合人民调解的，可<a href="{}">转入矛盾纠纷调处（访调对接）</a>', url)]


# --- the figures ------------------------------------------------------------------------------------

DATE_WIDGET = {"type": "date", "class": "form-control"}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD。"},
    )


class StatsForm(BootstrapFormMixin, forms.Form):
    """Which unit (and the units below it in scope) and which days (default: this year)."""

    # an id, not a choice: a unit outside the list is looked up through the scope (404)
    unit = forms.IntegerField(
        label="单位",
        required=False,
        min_value=1,
        max_value=ID_MAX,
        error_messages={
            "invalid": "请从列表中选择单位。",
            "min_value": "请从列表中选择单位。",
            "max_value": "请从列表中选择单位。",
        },
    )

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date_field("从")
        self.fields["to"] = _date_field("至")
        self.fields["unit"].widget = forms.Select(choices=unit_options(units), attrs={"class": "form-select"})
        for item in self.fields.values():
            css = item.widget.attrs.get("class", "")
            size = "form-select-sm" if "form-select" in css else "form-control-sm"
            item.widget.attrs["class"] = f"{css} {size}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("from", "to"):
            value = data.get(name)
            if value is not None and not DATE_MIN <= value <= DATE_MAX:
                self.add_error(name, f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。")
                data.pop(name, None)
        first, last = data.get("from"), data.get("to")
        if first is not None and last is not None and last < first:
            self.add_error("to", "结束日期不能早于开始日期。")
        return data


def this_year(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year, 12, 31)


# --- the settings -------------------------------------------------------------------------------------


def _number(label: str, *, decimal: bool = False) -> forms.CharField:
    attrs = {"inputmode": "decimal" if decimal else "numeric"}
    return forms.CharField(
        label=label,
        max_length=20,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": f"请填写{label}。", "max_length": "数值过长。"},
    )


class SettingForm(BootstrapFormMixin, forms.Form):
    """The installation's dispute rules; `services.setting_save` checks every value and answers
    in Chinese (its messages are put back on these fields)."""

    class1_amount = _number("一类纠纷涉及金额（元）不少于")
    class1_people = _number("一类纠纷涉及人数不少于")
    class2_amount = _number("二类纠纷涉及金额（元）不少于")
    class2_people = _number("二类纠纷涉及人数不少于")
    visit_months_1 = _number("一类纠纷回访（月）")
    visit_months_2 = _number("二类纠纷回访（月）")
    visit_months_3 = _number("三类纠纷回访（月）")
    centre_level = _number("镇级调处起始层级（第几级）")
    target_participation = _number("参调率目标（%）", decimal=True)
    target_success = _number("调解成功率目标（%）", decimal=True)
    target_satisfaction = _number("满意率目标（%）", decimal=True)
    chain = forms.CharField(
        label="调处责任链（由低到高，每行一个层级）",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=1000,
        error_messages={"required": "请填写调处责任链。", "max_length": "调处责任链过长。"},
    )

    GROUPS = (
        ("纠纷分级标准", ("class1_amount", "class1_people", "class2_amount", "class2_people")),
        ("回访期限", ("visit_months_1", "visit_months_2", "visit_months_3")),
        ("目标", ("target_participation", "target_success", "target_satisfaction")),
    )

    @staticmethod
    def initial_of(setting: DisputeSetting) -> dict[str, Any]:
        values = {
            name: str(getattr(setting, name))
            for name in (
                "class1_amount",
                "class1_people",
                "class2_amount",
                "class2_people",
                "visit_months_1",
                "visit_months_2",
                "visit_months_3",
                "centre_level",
            )
        }
        for name in ("target_participation", "target_success", "target_satisfaction"):
            values[name] = f"{Decimal(str(getattr(setting, name))).normalize():f}"
        values["chain"] = "\n".join(setting.levels)
        return values

    def groups(self) -> list[tuple[str, list[Any]]]:
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        chain = [line.strip() for line in str(data.pop("chain", "")).splitlines()]
        return {"chain": [line for line in chain if line], **data}
