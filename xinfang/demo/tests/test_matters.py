"""The demo office's sample matters: every state of the procedure, through the real services,
with a history that happened on past days."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.models import Deadline
from xinfang.demo.matters import demo_matters_load
from xinfang.demo.stories import STORIES
from xinfang.documents.models import Document
from xinfang.petitions.choices import CLOSED_STATUSES, PetitionStatus
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.supervision.models import Supervision, SupervisionEvent

# every story of the catalogue once: the smallest load that still shows every state
EVERY_STORY = len(STORIES)


@pytest.fixture
def office(demo):
    return demo_matters_load(stories=EVERY_STORY)


def test_every_state_of_the_procedure_has_a_matter(office):
    # given / when: the sample matters are loaded
    # then: no step of any story was refused, and every state holds at least one matter
    assert office.refused == []
    counts = dict(Petition.objects.values_list("status").annotate(n=Count("id")))
    assert {status: counts.get(status, 0) > 0 for status in PetitionStatus} == dict.fromkeys(
        PetitionStatus, True
    )
    assert office.petitions == Petition.objects.count() > EVERY_STORY  # 不再受理 registers twice


def test_some_matters_are_overdue_supervised_and_reviewed(office):
    today = timezone.localdate()
    open_matters = Petition.objects.exclude(status__in=CLOSED_STATUSES)
    # overdue by the calendar engine: an open clock whose due time has passed
    assert open_matters.filter(current_deadline__lt=today).count() >= 3
    assert Deadline.objects.filter(is_open=True, due_at__lt=timezone.now()).exists()
    # supervised through the supervision machine: open, reported, closed, and one 挂牌督办
    supervisions = set(Supervision.objects.values_list("status", "kind"))
    assert {
        ("open", "normal"),
        ("answered", "normal"),
        ("closed", "normal"),
        ("open", "listed"),
    } <= supervisions
    assert SupervisionEvent.objects.filter(action="supervise").exists()
    # reviewed: 复查 and 复核 decided, and a re-review that ended the matter
    assert PetitionEvent.objects.filter(action="decide_review").exists()
    assert Petition.objects.filter(is_final=True, status=PetitionStatus.CLOSED).exists()


def test_each_step_happened_on_its_own_past_day_with_its_timeline_notice_and_audit(office):
    now = timezone.now()
    events = list(PetitionEvent.objects.select_related("petition").order_by("pk"))
    # the steps happened over past weeks, in order, never before the matter was received
    assert min(e.created_at for e in events) < now - timezone.timedelta(days=60)
    assert all(e.petition.received_at <= e.created_at <= now for e in events)
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # one audit entry per step, at the step's moment
    audited = {
        (entry.extra_data.get("event_id"), entry.created_at)
        for entry in AuditEntry.objects.filter(
            event=AuditEvent.STATE_TRANSITION, target_type="petitions.petition"
        )
    }
    assert {(e.pk, e.created_at) for e in events} <= audited
    # each notice dated with its step, numbered in date order per unit and kind
    documents = list(Document.objects.exclude(kind="supervision_notice").order_by("pk"))
    assert len(documents) > EVERY_STORY
    by_event = {e.pk: e.created_at for e in events}
    assert all(by_event[d.event_id] == d.created_at for d in documents)
    assert [d.created_at for d in documents] == sorted(d.created_at for d in documents)


def test_loading_twice_adds_nothing(office):
    # given: the office already has its sample matters
    petitions, events = Petition.objects.count(), PetitionEvent.objects.count()
    # when
    again = demo_matters_load(stories=EVERY_STORY)
    # then
    assert again.skipped
    assert (Petition.objects.count(), PetitionEvent.objects.count()) == (petitions, events)


def test_no_sample_matters_outside_demo_mode(demo, settings):
    settings.DEMO_MODE = False
    with pytest.raises(ApplicationError, match="不允许加载演示数据"):
        demo_matters_load(stories=EVERY_STORY)
    assert not Petition.objects.exists()


def test_load_demo_loads_the_office_and_can_leave_it_empty(db, capsys):
    # when: without matters (the browser tests' own server), then with them (`make run`)
    call_command("load_demo", "--quiet-logins", "--without-matters")
    assert not Petition.objects.exists()
    call_command("load_demo", "--quiet-logins")
    # then
    assert "示例信访件" in capsys.readouterr().out
    assert Petition.objects.count() > 200
