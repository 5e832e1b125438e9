"""Petitions at each step of the procedure, moved there through the real transition function,
and placed near or past their deadline with a queryset update (the clock is not the subject)."""

from datetime import date, timedelta

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.deadlines.models import Deadline
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import OWNER_TYPE, petition_transition
from xinfang.petitions.workflow.schemas import REPORT_CHECKS

VILLAGE = "341122101201"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def act(petition: Petition, action: str, username: str, **fields) -> Petition:
    return petition_transition(petition=petition, action=action, actor=user(username), **fields)


def today() -> date:
    return timezone.localdate()


def place(petition: Petition, due: date, *, assignment_due: bool = False) -> Petition:
    """Moves the current deadline (and the 交办 deadline with it) to `due`."""
    fields = {"current_deadline": due}
    if assignment_due:
        fields["assignment_due"] = due
    Petition.objects.filter(pk=petition.pk).update(**fields)
    petition.refresh_from_db()
    return petition


def registered() -> Petition:
    return register(user("clerk"))


def accepted() -> Petition:
    return act(registered(), "accept", "clerk")


def assigned(*, deadline: date | None = None) -> Petition:
    from xinfang.organisation.models import Unit

    village = Unit.objects.get(code=VILLAGE)
    fields = {"unit": village.pk, "handler": user("village-handler").pk}
    if deadline is not None:
        fields["deadline"] = deadline.isoformat()
    return act(accepted(), "assign", "clerk", **fields)


def answered() -> Petition:
    """Investigated by the village, answered by the township (the organ that accepted it)."""
    petition = act(assigned(), "submit_report", "village-handler", report="经核查，已协调解决。")
    petition = act(petition, "approve_report", "leader", checks=list(REPORT_CHECKS))
    return act(petition, "answer", "clerk", outcome="support", text="支持。", delivered_on=today())


def in_review() -> Petition:
    """The township answered, so the county reviews."""
    return act(answered(), "request_review", "county-clerk", requested_on=today(), reason="不服处理意见")


STATION = "341122101P"  # 城关派出所: an organ under the township


def staff(unit_code: str, username: str, role: str) -> User:
    """A user of the unit `unit_code` with the one role `role` (created once)."""
    from xinfang.accounts.services import user_create, user_set_roles
    from xinfang.organisation.models import Unit

    if not User.objects.filter(username=username).exists():
        created = user_create(
            actor=None,
            username=username,
            full_name=username,
            unit=Unit.objects.get(code=unit_code),
            password="Demo@2026",
            must_change_password=False,
        )
        user_set_roles(actor=None, user=created, roles={role})
    return user(username)


def station_handler() -> User:
    """The handler of 城关派出所 (a demo account; created when a test's tree lacks it)."""
    return staff(STATION, "station-handler", "handler")


def answered_by_station() -> Petition:
    """Assigned to 城关派出所, which answers in its own name; the township reviews it."""
    from xinfang.organisation.models import Unit

    handler = station_handler()
    petition = act(accepted(), "assign", "clerk", unit=Unit.objects.get(code=STATION).pk, handler=handler.pk)
    petition = act(petition, "submit_report", "station-handler", report="经核查，已协调解决。")
    petition = act(petition, "approve_report", "leader", checks=list(REPORT_CHECKS))
    return act(petition, "answer", "station-handler", outcome="support", text="支持。", delivered_on=today())


def in_rereview() -> Petition:
    """The station answered, the township reviewed, the county re-reviews."""
    petition = act(answered_by_station(), "request_review", "clerk", requested_on=today(), reason="不服")
    petition = act(
        petition, "decide_review", "principal", outcome="explain", text="维持。", delivered_on=today()
    )
    return act(petition, "request_rereview", "county-clerk", requested_on=today(), reason="不服复查意见")


def open_clock(petition: Petition) -> Deadline:
    return Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, is_open=True)


def move_clock_start_back(petition: Petition, days: int) -> None:
    """Starts the open clock `days` earlier, as if the matter had been accepted then."""
    clock = open_clock(petition)
    Deadline.objects.filter(pk=clock.pk).update(
        start=clock.start - timedelta(days=days), start_date=clock.start_date - timedelta(days=days)
    )


def alerts():  # type: ignore[no-untyped-def]
    """The deadline alerts there are (the steps that set a matter up send their own messages)."""
    return Notification.objects.filter(
        kind__in=[NotificationKind.DEADLINE_NEAR, NotificationKind.DEADLINE_OVERDUE]
    )


def notified(**filters) -> set[tuple[str, str]]:
    """(username, dedupe key) of the deadline alerts there are."""
    return set(alerts().filter(**filters).values_list("recipient__username", "dedupe_key"))
