"""Reads of petitions and petitioners. Scope comes from organisation.selectors.scope_q only."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from xinfang.accounts.permissions import sees_subtree
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.selectors import working_days_after
from xinfang.documents.models import Document
from xinfang.documents.selectors import documents_of
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q

from .choices import CLOSED_STATUSES, OPEN_STATUSES
from .models import OWNER_TYPE, Category, Petition, Petitioner, PetitionPetitioner
from .search import search_count, search_filter
from .validators import is_identifier_query, normalise_id_number

PETITION_SCOPE: dict[str, Any] = {"unit_field": "unit", "path_field": "unit_path"}
HANDLING_SCOPE = {"unit_field": "handling_unit", "path_field": "handling_path"}


def petition_scope_q(actor: Any, *, as_range: bool = False) -> Q:
    """A petition is in scope through the unit that registered it or the unit it was transferred
    or assigned to (承办单位)."""
    through_handling = scope_q(actor, **HANDLING_SCOPE, as_range=as_range)
    unit = getattr(actor, "unit", None)
    if unit is not None and sees_subtree(actor):
        # only units below the shared part of the two chains gain anything from the handling
        # unit; for everyone above it the registering unit's path already decides
        # (as equalities, so that an index on (depth, path) seeks the path range for each depth)
        through_handling &= Q(handling_shared_depth__in=range(unit.depth))
    visible = scope_q(actor, **PETITION_SCOPE, as_range=as_range) | through_handling
    if getattr(actor, "named_in_complaints", False):
        # 被反映人: never sees a matter that complains about them (domain.md §3.12)
        visible &= ~Q(complained_user=actor.pk)
    return visible


def petitions_visible_to(actor: Any) -> QuerySet[Petition]:
    return Petition.objects.filter(petition_scope_q(actor))


# --- the complained-about unit (no retaliation, domain.md §3.12) ------------------------------


def protected_path(registering: Unit, complained: Unit | None) -> str:
    """The path whose users may not learn who complained: the complained-about unit's, unless
    the matter was brought to that unit itself (or one below it), where the petitioner chose
    to be known."""
    if complained is None or registering.path.startswith(complained.path):
        return ""
    return complained.path


def identity_hidden(actor: Any, petition: Petition) -> bool:
    """Whether `actor` (a user of the complained-about unit or one below it) sees `petition`
    without the petitioner's identity, contact data, attachments and the notices carrying them."""
    path = petition.protected_path
    if not path or actor is None:
        return False
    unit = getattr(actor, "unit", None)
    return unit is None or unit.path.startswith(path)


def routes_to_complained(petition: Petition, unit: Unit) -> bool:
    """Whether transferring or assigning `petition` to `unit` hands it to the unit it complains
    about (or one below it): a leader must confirm that, with a reason."""
    return bool(petition.protected_path) and unit.path.startswith(petition.protected_path)


def petition_documents(*, actor: Any, petition: Petition) -> QuerySet[Document]:
    """The notices of a petition the actor obtained through `access_petition_by_id`: for the
    complained-about unit's users only those addressed to it without the petitioner's identity."""
    return documents_of(
        owner_type=OWNER_TYPE, owner_id=petition.pk, protected_only=identity_hidden(actor, petition)
    )


def protected_petition_ids(actor: Any) -> QuerySet[Any]:
    """The petitions whose petitioner `actor` may not identify (see `identity_hidden`)."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        return Petition.objects.none()
    parts = unit.path.strip("/").split("/")
    prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return Petition.objects.filter(protected_path__in=prefixes).values("pk")


def petitioners_visible_to(actor: Any) -> QuerySet[Petitioner]:
    return Petitioner.objects.filter(scope_q(actor, **PETITION_SCOPE))


def access_petition_by_id(actor: Any, petition_id: Any, request_meta: RequestMeta | None = None) -> Petition:
    """The same NotFound for a petition that does not exist and for one outside scope; the latter
    is audited (ACCESS_DENIED, one more query on the miss path only)."""
    try:
        return (
            petitions_visible_to(actor)
            .select_related(
                "unit",
                "category",
                "category__parent",
                "problem_unit",
                "complained_unit",
                "registered_by",
                "repeat_of",
                "unit__organ",
                "handling_unit__organ",
                "handler",
                "owner_leader",
                "answered_unit__parent__organ",
                "review_unit__parent__organ",
            )
            .prefetch_related(
                Prefetch(
                    "petitioner_links", queryset=PetitionPetitioner.objects.select_related("petitioner")
                ),
                "attachments",
                "co_units",
            )
            .get(pk=int(petition_id))
        )
    except (Petition.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=Petition, target_id=petition_id, request_meta=request_meta)
        raise NotFound() from None


def access_identified_petition(
    actor: Any, petition_id: Any, request_meta: RequestMeta | None = None
) -> Petition:
    """A petition whose petitioner the actor may identify, for what carries them (attachments,
    the registration form): NotFound for the complained-about unit's users as outside scope."""
    petition = access_petition_by_id(actor, petition_id, request_meta)
    if identity_hidden(actor, petition):
        raise NotFound()
    return petition


def access_petitioner_by_id(
    actor: Any, petitioner_id: Any, request_meta: RequestMeta | None = None
) -> Petitioner:
    try:
        return petitioners_visible_to(actor).get(pk=int(petitioner_id))
    except (Petitioner.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=Petitioner, target_id=petitioner_id, request_meta=request_meta)
        raise NotFound() from None


@dataclass(frozen=True)
class RegisterFilter:
    q: str = ""
    # a status, or "open" (未办结) / "ended" (every finished state: 已办结, 不予受理, 不再受理,
    # 已转送出); "closed" is the one state 已办结
    status: str = ""
    category: str = ""  # a category code; a first-level code includes its children
    channel: str = ""
    unit: int | None = None  # 问题属地, including the units below it
    received_from: date | None = None
    received_to: date | None = None
    flags: tuple[str, ...] = ()
    overdue: bool | None = None
    light: str = ""  # "red" overdue, "yellow" 3 working days or less left, "green" more
    registered_unit: int | None = None  # 登记单位, including the units below it (statistics links)


FLAG_FIELDS = {
    "skip_level": "is_skip_level",
    "collective": "is_collective",
    "anonymous": "is_anonymous",
    "urgent": "is_urgent",
    "litigation": "is_litigation",
    "joint_letter": "is_joint_letter",
    "repeat": "repeat_of__isnull",
}


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


LIGHTS = {"red": "已逾期", "yellow": "临期（3 个工作日内）", "green": "正常"}
WARNING_WORKING_DAYS = 3


def warning_boundary(today: date) -> date:
    """The last due date that shows yellow today: the third working day after today, by the
    calendar engine (so a deadline after a long holiday is not flagged too early)."""
    return working_days_after(today, WARNING_WORKING_DAYS)


def deadline_light(petition: Petition, *, today: date | None = None, boundary: date | None = None) -> str:
    """red / yellow / green for an open petition with a deadline, else ""."""
    if petition.current_deadline is None or petition.status not in OPEN_STATUSES:
        return ""
    today = today or timezone.localdate()
    if petition.current_deadline < today:
        return "red"
    if petition.current_deadline <= (boundary or warning_boundary(today)):
        return "yellow"
    return "green"


def petition_list(*, actor: Any, filters: RegisterFilter) -> QuerySet[Petition]:
    """The register (信访登记簿), newest first, with everything a row shows joined in."""
    qs = petitions_visible_to(actor)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status == "ended":
        qs = qs.filter(status__in=CLOSED_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        ids = list(
            Category.objects.filter(Q(code=filters.category) | Q(parent__code=filters.category)).values_list(
                "pk", flat=True
            )
        )
        qs = qs.filter(category_id__in=ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.unit:
        from xinfang.organisation.models import Unit

        path = Unit.objects.filter(pk=filters.unit).values_list("path", flat=True).first() or "-"
        qs = qs.filter(problem_unit__path__startswith=path)
    if filters.registered_unit:
        from xinfang.organisation.models import Unit

        path = Unit.objects.filter(pk=filters.registered_unit).values_list("path", flat=True).first() or "-"
        qs = qs.filter(unit_path__startswith=path)
    if filters.received_from:
        qs = qs.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=_day_start(filters.received_to) + timedelta(days=1))
    for flag in filters.flags:
        if flag == "repeat":
            qs = qs.filter(repeat_of__isnull=False)
        elif flag in FLAG_FIELDS:
            qs = qs.filter(**{FLAG_FIELDS[flag]: True})
    if filters.light in LIGHTS:
        today = timezone.localdate()
        qs = qs.filter(status__in=OPEN_STATUSES, current_deadline__isnull=False)
        if filters.light == "red":
            qs = qs.filter(current_deadline__lt=today)
        elif filters.light == "yellow":
            qs = qs.filter(current_deadline__gte=today, current_deadline__lte=warning_boundary(today))
        else:
            qs = qs.filter(current_deadline__gt=warning_boundary(today))
    if filters.overdue is True:
        qs = qs.filter(status__in=OPEN_STATUSES, current_deadline__lt=timezone.localdate())
    elif filters.overdue is False:
        qs = qs.exclude(status__in=OPEN_STATUSES, current_deadline__lt=timezone.localdate())
    # Related rows are prefetched for the page, not joined: a join makes SQLite sort every
    # matching row before it can return the first page.
    qs = qs.prefetch_related("category", "problem_unit")
    if filters.q:
        return _without_name_matches(search_filter(qs, filters.q, actor), filters.q, actor)
    return qs.order_by("-received_at", "-id")


def _without_name_matches(qs: QuerySet[Petition], q: str, actor: Any) -> QuerySet[Petition]:
    """A search must not tell the complained-about unit who complained: a matter hidden from it
    (see `identity_hidden`) is not found by a word of its petitioners' names."""
    words = [w for w in q.split() if w]
    if not words or getattr(actor, "unit", None) is None:
        return qs
    named = Q()
    for word in words:
        named |= Q(petitioner_names__contains=word)
    return qs.exclude(Q(pk__in=protected_petition_ids(actor)) & named)


def petition_count(*, actor: Any, filters: RegisterFilter, petitions: QuerySet[Petition]) -> int:
    """The register's total. A plain search is counted by the full-text index alone, and the
    unfiltered register by a range over the scope index."""
    if filters == RegisterFilter():
        return Petition.objects.filter(petition_scope_q(actor, as_range=True)).count()
    if filters.q and filters == RegisterFilter(q=filters.q) and not _search_narrowed(actor):
        counted = search_count(filters.q, actor)
        if counted is not None:
            return counted
    return petitions.count()


def _search_narrowed(actor: Any) -> bool:
    """Whether the actor's search results leave out matches the index alone would count: the
    complained-about person's matters, or matters found only by their hidden petitioners' names."""
    return bool(getattr(actor, "named_in_complaints", False)) or protected_petition_ids(actor).exists()


class CountedPaginator(Paginator):
    """A Paginator whose total comes from `petition_count` instead of `object_list.count()`."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def petitioner_search(*, actor: Any, q: str, limit: int = 10) -> QuerySet[Petitioner]:
    """Autocomplete and the API: an ID number or phone matches only the whole identifier (the
    normalised ID number or the exact phone, never a prefix: digit by digit it would give away a
    person's ID number), a name by prefix. Identifier searches are audited by the caller
    (`services.petitioner_search`)."""
    q = (q or "").strip()
    qs = petitioners_visible_to(actor)
    if not q:
        return qs.none()
    if is_identifier_query(q):
        qs = qs.filter(Q(id_number=normalise_id_number(q)) | Q(phone=q))
    else:
        qs = qs.filter(name__startswith=q)
    return qs.order_by("name", "pk")[:limit]


def petitioner_petitions(*, actor: Any, petitioner: Petitioner) -> QuerySet[Petition]:
    return (
        petitions_visible_to(actor)
        .filter(petitioner_links__petitioner=petitioner)
        .exclude(pk__in=protected_petition_ids(actor))  # they would name who complained
        .select_related("category")
        .order_by("-received_at")
    )


def petitioner_repeat_count(*, actor: Any, petitioner: Petitioner) -> int:
    return petitioner_petitions(actor=actor, petitioner=petitioner).filter(repeat_of__isnull=False).count()


def repeat_candidates(
    *,
    actor: Any,
    id_numbers: list[str],
    name_phones: list[tuple[str, str]],
    category: str,
    received_at: datetime,
) -> QuerySet[Petition]:
    """Earlier petitions of the same person about the same category within 12 months (重复件)."""
    person = Q()
    for id_number in filter(None, id_numbers):
        person |= Q(petitioner_links__petitioner__id_number=id_number.upper())
    for name, phone in name_phones:
        if name and phone:
            person |= Q(petitioner_links__petitioner__name=name, petitioner_links__petitioner__phone=phone)
    if not person or not category:
        return Petition.objects.none()
    local = timezone.localtime(received_at)
    try:
        year_before = local.replace(year=local.year - 1)
    except ValueError:  # 29 February
        year_before = local.replace(year=local.year - 1, day=28)
    return (
        petitions_visible_to(actor)
        .filter(person, category__code=category, received_at__gte=year_before, received_at__lte=received_at)
        .exclude(pk__in=protected_petition_ids(actor))  # found by a person: would name them
        .select_related("category")
        .distinct()
        .order_by("-received_at")[:5]
    )


def category_tree() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "code")
    )


def earlier_matters(*, actor: Any, petition: Petition, limit: int = 20) -> list[Petition]:
    """The earlier matters of the same petitioners (by ID number, else by the same records) that
    a 不再受理 may refer to, newest first, within the actor's scope."""
    links = list(petition.petitioner_links.all())
    ids = [link.petitioner.id_number for link in links if link.petitioner.id_number]
    same = Q(petitioner_links__petitioner__in=[link.petitioner_id for link in links])
    if ids:
        same |= Q(petitioner_links__petitioner__id_number__in=ids)
    if not links and petition.repeat_of_id is None:
        return []
    if petition.repeat_of_id is not None:
        same |= Q(pk=petition.repeat_of_id)
    return list(
        petitions_visible_to(actor)
        .filter(same)
        .exclude(pk=petition.pk)
        .exclude(pk__in=protected_petition_ids(actor))
        .distinct()
        .only("pk", "number", "status", "received_at", "answer_delivered_on", "window_ends", "is_final")
        .order_by("-received_at")[:limit]
    )


def matter_label(p: Petition) -> str:
    """How a page names an earlier matter: its number, status and the dates a ground depends on."""
    parts = [p.get_status_display(), f"{timezone.localtime(p.received_at):%Y-%m-%d} 收到"]
    if p.answer_delivered_on:
        parts.append(f"{p.answer_delivered_on:%Y-%m-%d} 答复送达")
    if p.is_final:
        parts.append("已复核终结")
    elif p.window_ends:
        parts.append(f"复查（复核）申请期限至 {p.window_ends:%Y-%m-%d}")
    return f"{p.number}（{'；'.join(parts)}）"
