"""Pages of the register (信访登记簿): list, registration, detail, petitioner, exports, import.

Every page reads through the selectors (scope included) and writes through the services; the
views only parse the request and choose the template (a partial when htmx asks).
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.core.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed
from xinfang.core.http import HtmxRequest
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import Unit
from xinfang.procedure.forms import Attempt

from . import action_forms as action_forms_module
from . import selectors, services, workflow
from .action_forms import action_forms
from .choices import CLOSED_STATUSES, PetitionStatus
from .exports import ExportTooLarge, register_xlsx, registration_form_docx
from .forms import (
    MAX_REPRESENTATIVES,
    NOT_REPEAT,
    PERSON_FIELDS,
    PetitionForm,
    PetitionImportForm,
    RegisterFilterForm,
    filter_summary,
)
from .hooks import petition_links, petition_notes
from .imports import import_template_xlsx, register_import
from .models import Petition
from .validators import is_identifier_query, is_whole_identifier, mask_id_number, mask_name, mask_phone

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATUS_BADGES: dict[str, str] = {
    PetitionStatus.REGISTERED: "text-bg-secondary",
    PetitionStatus.ACCEPTED: "text-bg-primary",
    PetitionStatus.HANDLING: "text-bg-primary",
    PetitionStatus.ASSIGNED: "text-bg-info",
    PetitionStatus.REPORT_PENDING: "text-bg-warning",
    PetitionStatus.ANSWERED: "text-bg-info",
    PetitionStatus.REVIEW: "text-bg-warning",
    PetitionStatus.REREVIEW: "text-bg-warning",
    PetitionStatus.CLOSED: "text-bg-success",
    PetitionStatus.TRANSFERRED: "text-bg-success",
    PetitionStatus.NOT_ACCEPTED: "text-bg-dark",
    PetitionStatus.DECLINED_AGAIN: "text-bg-dark",
}
FLAG_LABELS = (
    ("is_skip_level", "越级"),
    ("is_collective", "集体"),
    ("is_anonymous", "匿名"),
    ("is_urgent", "紧急"),
    ("is_litigation", "涉法涉诉"),
    ("is_joint_letter", "联名"),
)


@dataclass(frozen=True)
class DeadlineLight:
    """The traffic light of a current deadline: green, yellow (≤ 3 days left) or red (overdue)."""

    colour: str  # "success" / "warning" / "danger" / "secondary"
    text: str


LIGHT_COLOURS = {"red": "danger", "yellow": "warning", "green": "success"}


def deadline_light(petition: Petition, boundary: Any = None) -> DeadlineLight | None:
    """The traffic light (红 逾期 / 黄 3 个工作日内到期 / 绿) and its text."""
    if petition.current_deadline is None:
        return None
    if petition.status in CLOSED_STATUSES:
        return DeadlineLight("secondary", "已办结")
    light = selectors.deadline_light(petition, boundary=boundary)
    days_left = (petition.current_deadline - timezone.localdate()).days
    if light == "red":
        return DeadlineLight("danger", f"逾期 {-days_left} 天")
    text = "今日到期" if days_left == 0 else f"剩 {days_left} 天"
    return DeadlineLight(LIGHT_COLOURS[light], text)


def _decorate(petition: Petition, boundary: Any = None, *, hidden: bool = False) -> Petition:
    """Row extras computed from the row itself: masked names (none for the complained-about
    unit's users, see selectors.identity_hidden), status badge and deadline light."""
    names = "" if hidden else "、".join(mask_name(n) for n in petition.petitioner_names.split("、") if n)
    petition.masked_names = names  # type: ignore[attr-defined]
    petition.identity_hidden = hidden  # type: ignore[attr-defined]
    petition.status_badge = STATUS_BADGES.get(str(petition.status), "text-bg-secondary")  # type: ignore[attr-defined]
    petition.light = deadline_light(petition, boundary)  # type: ignore[attr-defined]
    petition.flag_labels = [label for attr, label in FLAG_LABELS if getattr(petition, attr)]  # type: ignore[attr-defined]
    if petition.repeat_of_id:
        petition.flag_labels.append("重复")  # type: ignore[attr-defined]
    return petition


def _filter_query(request: HttpRequest) -> str:
    """The register's filters as a query string (without `page`), ending with & when not empty."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def _filter_form(request: HttpRequest) -> RegisterFilterForm:
    form = RegisterFilterForm(request.GET, actor=request.user, categories=selectors.category_tree())
    form.is_valid()
    return form


def _responsible_under(petitions: QuerySet[Petition], unit_id: int) -> QuerySet[Petition]:
    """The petitions whose responsible unit (承办单位, else the registering unit) lies in the
    subtree of `unit_id`: the register behind a figure of the statistics 按承办单位."""
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "-"
    return petitions.filter(
        Q(handling_path__startswith=path) | Q(handling_unit__isnull=True, unit_path__startswith=path)
    )


def _register_rows(request: HttpRequest, form: RegisterFilterForm) -> tuple[QuerySet[Petition], int | None]:
    """The register's rows for the form's filters and the responsible unit, if one is given."""
    petitions = selectors.petition_list(actor=request.user, filters=form.to_filter())
    responsible = form.responsible_unit_id()
    return (_responsible_under(petitions, responsible) if responsible else petitions), responsible


# --- the register -------------------------------------------------------------------------------


@require_GET
@capability_required("petitions.view")
def register_view(request: HtmxRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.to_filter()
    petitions, responsible = _register_rows(request, form)
    if responsible:
        total = petitions.count()
    else:
        total = selectors.petition_count(actor=request.user, filters=filters, petitions=petitions)
    page = selectors.CountedPaginator(petitions, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    boundary = selectors.warning_boundary(timezone.localdate())
    for petition in page.object_list:
        _decorate(petition, boundary, hidden=selectors.identity_hidden(request.user, petition))
    query = _filter_query(request)
    context = {
        "form": form,
        "page_obj": page,
        "query_string": query,
        "export_query": query.rstrip("&"),
        "can_register": has_capability(request.user, "petitions.register"),
    }
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "petitions/partials/_register_results.html", context)
    return render(request, "petitions/register.html", context)


@require_GET
@capability_required("petitions.view")
def register_export_view(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.to_filter()
    petitions, responsible = _register_rows(request, form)
    try:
        exported = register_xlsx(petitions, hidden=lambda p: selectors.identity_hidden(request.user, p))
    except ExportTooLarge as error:
        messages.error(request, error.message)
        query = _filter_query(request).rstrip("&")
        return redirect(f"{reverse('petitions:register')}?{query}")
    services.register_exported(
        actor=request.user,
        kind="register_xlsx",
        filters=filter_summary(filters) | ({"responsible_unit": responsible} if responsible else {}),
        rows=exported.rows,
        request_meta=RequestMeta.from_request(request),
    )
    filename = f"信访登记台账-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return _file_response(exported.content, filename, XLSX)


def _file_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- registration -------------------------------------------------------------------------------


def _repeat_candidates(request: HttpRequest, data: Any) -> list[Petition]:
    """Earlier petitions of the person being registered about the same category (重复件)."""
    id_numbers = [data.get("petitioner_id_number", "")] + [
        data.get(f"rep{i}_id_number", "") for i in range(MAX_REPRESENTATIVES)
    ]
    name_phones = [(data.get("petitioner_name", ""), data.get("petitioner_phone", ""))] + [
        (data.get(f"rep{i}_name", ""), data.get(f"rep{i}_phone", "")) for i in range(MAX_REPRESENTATIVES)
    ]
    received_at = timezone.now()
    text = (data.get("received_at") or "").strip()
    if text:
        parsed = parse_datetime(text)
        if parsed is not None:
            received_at = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    return list(
        selectors.repeat_candidates(
            actor=request.user,
            id_numbers=[value.strip().upper() for value in id_numbers if value and value.strip()],
            name_phones=[(n.strip(), p.strip()) for n, p in name_phones if n and p],
            category=(data.get("category") or "").strip(),
            received_at=received_at,
        )
    )


def _repeat_context(request: HttpRequest, data: Any, found: list[int] | None = None) -> dict[str, Any]:
    """The repeat check's card: the candidates of the form's data, or those the service `found`
    when it refused a registration that chose neither 关联为重复件 nor 不是同一事项."""
    if found:
        candidates = list(
            selectors.petitions_visible_to(request.user)
            .filter(pk__in=found)
            .select_related("category")
            .order_by("-received_at")
        )
    else:
        candidates = _repeat_candidates(request, data)
    for candidate in candidates:
        _decorate(candidate, hidden=selectors.identity_hidden(request.user, candidate))
    return {
        "candidates": candidates,
        "selected_repeat": str(data.get("repeat_of") or ""),
        "not_repeat_value": NOT_REPEAT,
    }


def _register(request: HttpRequest, form: PetitionForm) -> Petition:
    """The petition and its attachments in one transaction: a refused file leaves no petition."""
    meta = RequestMeta.from_request(request)
    stored: list[Any] = []
    try:
        with transaction.atomic():
            petition = services.petition_register(actor=request.user, data=form.to_input(), request_meta=meta)
            for uploaded in form.cleaned_data.get("attachments") or []:
                attachment = services.attachment_add(
                    actor=request.user, petition=petition, uploaded_file=uploaded, request_meta=meta
                )
                stored.append(attachment)
    except Exception:
        for attachment in stored:  # the rows rolled back; their files must not stay behind
            attachment.file.delete(save=False)
        raise
    return petition


@capability_required("petitions.register")
def petition_create_view(request: HttpRequest) -> HttpResponse:
    form = PetitionForm(
        request.POST or None, request.FILES or None, actor=request.user, categories=selectors.category_tree()
    )
    if request.method == "POST" and form.is_valid():
        try:
            petition = _register(request, form)
        except ValidationFailed as error:
            form.apply_service_errors(error)
        else:
            messages.success(request, f"登记成功，信访件编号 {petition.number}。")
            return redirect("petitions:detail", petition_id=petition.pk)
    context: dict[str, Any] = {
        "form": form,
        "candidates": [],
        "selected_repeat": "",
        "not_repeat_value": NOT_REPEAT,
        "repeat_error": form.repeat_error,
    }
    if request.method == "POST":
        context.update(_repeat_context(request, request.POST, form.repeat_candidate_ids))
    return render(request, "petitions/petition_form.html", context, status=422 if form.errors else 200)


@require_GET
@capability_required("petitions.register")
def repeat_check_view(request: HttpRequest) -> HttpResponse:
    context = _repeat_context(request, request.GET)
    fields = [name for name in request.GET if name.endswith(("id_number", "_phone"))]
    identifiers = [value for value in (request.GET.get(name, "").strip() for name in fields) if value]
    if identifiers:  # the repeat check looks people up by ID number or phone: audited, masked
        services.petitioner_identifiers_searched(
            actor=request.user,
            identifiers=identifiers,
            found=len(context["candidates"]),
            source="repeat_check",
            request_meta=RequestMeta.from_request(request),
        )
    return render(request, "petitions/partials/_repeat_check.html", context)


@require_GET
@capability_required("petitions.register")
def petitioner_autocomplete_view(request: HttpRequest) -> HttpResponse:
    """Suggestions while the clerk types a name, phone or ID number; personal data masked."""
    query = next(
        (
            request.GET.get(name, "").strip()
            for name in ("q", "petitioner_id_number", "petitioner_phone", "petitioner_name")
            if request.GET.get(name, "").strip()
        ),
        "",
    )
    # An ID number or phone only ever matches whole: its first digits are not searched (nor audited).
    if not query or (is_identifier_query(query) and not is_whole_identifier(query)):
        people = []
    else:
        people = services.petitioner_search(
            actor=request.user, q=query, source="autocomplete", request_meta=RequestMeta.from_request(request)
        )
    rows = [
        {
            "pk": person.pk,
            "name": mask_name(person.name),
            "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone),
        }
        for person in people
    ]
    return render(request, "petitions/partials/_petitioner_suggestions.html", {"people": rows, "q": query})


@require_GET
@capability_required("petitions.register")
def petitioner_pick_view(request: HttpRequest, petitioner_id: int) -> HttpResponse:
    """Fills the petitioner fields with a chosen existing person (an audited view of their data)."""
    request_meta = RequestMeta.from_request(request)
    person = selectors.access_petitioner_by_id(request.user, petitioner_id, request_meta)
    services.petitioner_personal_data_viewed(actor=request.user, petitioner=person, request_meta=request_meta)
    initial = {f"petitioner_{name}": getattr(person, name) for name in PERSON_FIELDS}
    form = PetitionForm(initial=initial, actor=request.user, categories=[])
    response = render(request, "petitions/partials/_petitioner_fields.html", {"form": form, "picked": person})
    response["HX-Trigger-After-Settle"] = "petitioner-picked"
    return response


# --- detail pages --------------------------------------------------------------------------------


@require_GET
@capability_required("petitions.view")
def petition_detail_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    request_meta = RequestMeta.from_request(request)
    petition = selectors.access_petition_by_id(request.user, petition_id, request_meta)
    return _detail_page(request, petition, request_meta)


def _detail_page(
    request: HttpRequest,
    petition: Petition,
    request_meta: RequestMeta | None,
    attempt: Attempt | None = None,
    status: int = 200,
) -> HttpResponse:
    """The petition page; `attempt`: a step's form the server refused, shown open again."""
    hidden = selectors.identity_hidden(request.user, petition)
    if not hidden:
        services.petition_personal_data_viewed(
            actor=request.user, petition=petition, request_meta=request_meta
        )
    repeats = list(
        selectors.petitions_visible_to(request.user)
        .filter(repeat_of=petition)
        .only("pk", "number", "received_at", "subject")
        .order_by("received_at")[:20]
    )
    actor = acting_user(request)
    actions = workflow.allowed_actions(petition, actor)
    documents = list(selectors.petition_documents(actor=request.user, petition=petition))
    events = workflow.petition_timeline(petition, list(petition.events.select_related("actor")))
    for entry, issued in workflow.timeline_documents(events, documents):
        entry.documents = issued
    return render(
        request,
        "petitions/petition_detail.html",
        {
            "petition": _decorate(petition, hidden=hidden),
            "identity_hidden": hidden,
            "links": [] if hidden else list(petition.petitioner_links.all()),
            "attachments": [] if hidden else list(petition.attachments.all()),
            "repeats": repeats,
            "action_forms": action_forms(actions, petition, actor, attempt),
            "events": events,
            "instructions": [e for e in events if e.action == workflow.Action.INSTRUCT],
            "documents": documents,
            "co_units": list(petition.co_units.all()),
            "notes": petition_notes(petition, actor),
            "petition_links": petition_links(petition, actor),
        },
        status=status,
    )


@require_POST
@capability_required("petitions.view")
def petition_action_view(request: HttpRequest, petition_id: int, action: str) -> HttpResponse:
    """A button of the detail page: the same transition function as the API."""
    request_meta = RequestMeta.from_request(request)
    petition = selectors.access_petition_by_id(request.user, petition_id, request_meta)
    if not action_forms_module.has_form(action):
        raise NotFound()
    fields = action_forms_module.fields_from_post(action, request.POST)
    note = fields.pop("note", "")
    try:
        workflow.petition_transition(
            petition=petition,
            action=action,
            actor=acting_user(request),
            note=note,
            request_meta=request_meta,
            **fields,
        )
    except (ValidationFailed, Conflict) as exc:
        # the page again, the form open with what was typed: the summary once, above, and each
        # field's own message under it
        messages.error(request, exc.message)
        errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
        attempt = Attempt(
            action=action, data=request.POST, errors=errors if isinstance(exc, ValidationFailed) else {}
        )
        fresh = selectors.access_petition_by_id(request.user, petition.pk, request_meta)
        return _detail_page(request, fresh, request_meta, attempt, status=exc.status_code)
    messages.success(request, f"已{workflow.action_label(action)}：{petition.number}。")
    if not selectors.petitions_visible_to(request.user).filter(pk=petition.pk).exists():
        # the step took the matter out of the actor's hands (异议 returns it to the office)
        return redirect("workbench:home")
    return redirect("petitions:detail", petition_id=petition.pk)


@require_GET
@capability_required("petitions.view")
def petitioner_detail_view(request: HttpRequest, petitioner_id: int) -> HttpResponse:
    request_meta = RequestMeta.from_request(request)
    person = selectors.access_petitioner_by_id(request.user, petitioner_id, request_meta)
    services.petitioner_personal_data_viewed(actor=request.user, petitioner=person, request_meta=request_meta)
    petitions = selectors.petitioner_petitions(actor=request.user, petitioner=person).select_related(
        "problem_unit"
    )
    page = Paginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    boundary = selectors.warning_boundary(timezone.localdate())
    for petition in page.object_list:
        _decorate(petition, boundary, hidden=selectors.identity_hidden(request.user, petition))
    return render(
        request,
        "petitions/petitioner_detail.html",
        {
            "person": person,
            "page_obj": page,
            "query_string": "",
            "repeat_count": selectors.petitioner_repeat_count(actor=request.user, petitioner=person),
        },
    )


@require_GET
@capability_required("petitions.view")
def attachment_download_view(request: HttpRequest, petition_id: int, attachment_id: int) -> FileResponse:
    petition = selectors.access_identified_petition(
        request.user, petition_id, RequestMeta.from_request(request)
    )
    attachment = next((a for a in petition.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise ApplicationError("附件文件缺失，请联系系统管理员。") from None
    services.attachment_downloaded(
        actor=request.user, attachment=attachment, request_meta=RequestMeta.from_request(request)
    )
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


@require_GET
@capability_required("petitions.view")
def print_form_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = selectors.access_identified_petition(
        request.user, petition_id, RequestMeta.from_request(request)
    )
    content = registration_form_docx(petition)
    services.register_exported(
        actor=request.user,
        kind="registration_form",
        filters={"petition": petition.pk},
        rows=1,
        target=petition,
        request_meta=RequestMeta.from_request(request),
    )
    return _file_response(content, f"信访事项登记表-{petition.number}.docx", DOCX)


# --- import ---------------------------------------------------------------------------------------


@capability_required("petitions.register")
def import_view(request: HttpRequest) -> HttpResponse:
    form = PetitionImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = register_import(
                actor=request.user,
                content=form.cleaned_data["file"].read(),
                request_meta=RequestMeta.from_request(request),
            )
        except ValidationFailed as error:
            form.add_error("file", error.message)
        else:
            if result.created:
                messages.success(request, f"已导入 {result.created} 件。")
            if result.failed:
                messages.warning(request, f"{result.failed} 行未导入，原因见下表，修改后可重新导入这些行。")
    return render(request, "petitions/import.html", {"form": form, "result": result})


@require_GET
@capability_required("petitions.register")
def import_template_view(request: HttpRequest) -> HttpResponse:
    return _file_response(import_template_xlsx(), "信访登记台账导入模板.xlsx", XLSX)
