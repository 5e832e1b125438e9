"""The daily jobs' steps on the petition's timeline: each job writes its supervision event through
the engine with no actor, and the petition page shows it as 系统."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.models import Petition
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_timeline
from xinfang.supervision.models import Supervision, SupervisionEvent
from xinfang.supervision.services import supervision_escalate_overdue, supervision_propose_overdue

JOB_STEPS = {"propose_supervision", "escalate_supervision", "open_escalated_supervision", "end_supervision"}


def _entries(petition_id):
    petition = Petition.objects.get(pk=petition_id)
    return petition_timeline(petition, list(petition.events.select_related("actor")))


def _page_entries(client, petition_id, action):
    """The petition page's timeline lines of one step, as text without tags."""
    html = client.get(reverse("petitions:detail", args=[petition_id])).content.decode()
    lines = re.findall(rf'<li[^>]*data-testid="event-{action}"[^>]*>(.*?)</li>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", line)) for line in lines]


def test_the_proposal_and_the_escalation_show_as_the_system(client, assigned, act, user):
    # given: the matter is overdue, the job proposes, the township confirms, and its time passes
    Petition.objects.filter(pk=assigned.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    assert supervision_propose_overdue(actor=None) == 1
    act(assigned, "confirm_supervision", "clerk", method="letter")
    supervision = Supervision.objects.get(petition=assigned)
    # when
    report = supervision_escalate_overdue(actor=None, today=supervision.deadline + timedelta(days=1))
    # then: every step the jobs took has its event through the engine, with no actor …
    assert report.escalated == 1
    events = SupervisionEvent.objects.filter(supervision__petition=assigned).order_by("pk")
    assert [(e.action, e.actor_id is None) for e in events] == [
        ("propose_supervision", True),
        ("confirm_supervision", False),
        ("escalate_supervision", True),
        ("open_escalated_supervision", True),
    ]
    for event in events:  # … and its one audit entry
        entries = AuditEntry.objects.filter(
            event=AuditEvent.STATE_TRANSITION,
            target_type="supervision.supervision",
            extra_data__event_id=event.pk,
        )
        assert [(e.target_id, e.actor_id) for e in entries] == [
            (str(event.supervision_id), event.actor_id)
        ], event.action
    # … `petition_timeline` gives them no actor, shown as 系统, and the confirmation its user
    entries = {e.action: e for e in _entries(assigned.pk) if e.action.endswith("_supervision")}
    assert set(entries) == {e.action for e in events}
    for action in ("propose_supervision", "escalate_supervision", "open_escalated_supervision"):
        assert (entries[action].actor, entries[action].actor_name) == (None, "系统"), action
    assert entries["confirm_supervision"].actor == user("clerk")
    # … and the petition page shows them so, to a user in scope
    client.force_login(user("supervisor"))
    for action, label in (
        ("propose_supervision", "提议督办"),
        ("escalate_supervision", "逾期升级"),
        ("open_escalated_supervision", "升级督办"),
    ):
        (line,) = _page_entries(client, assigned.pk, action)
        assert label in line, line
        assert "· 系统" in line, line
    (confirmed,) = _page_entries(client, assigned.pk, "confirm_supervision")
    assert "王接访" in confirmed, confirmed
    assert "系统" not in confirmed, confirmed


def test_supervision_ending_with_its_matter_shows_as_the_system(client, clerk, act, user):
    # given: an overdue matter supervised by the county, then not accepted by the township
    petition = register(clerk)
    Petition.objects.filter(pk=petition.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    act(petition, "supervise", "county-clerk", trigger="deadline_missed", method="letter")
    act(petition, "reject", "clerk", ground="legal_channel")
    # when
    assert supervision_escalate_overdue(actor=None).closed_with_petition == 1
    # then
    (ended,) = [e for e in _entries(petition.pk) if e.action == "end_supervision"]
    assert (ended.actor, ended.actor_name, ended.to_status) == (None, "系统", "closed")
    client.force_login(user("county-clerk"))
    (line,) = _page_entries(client, petition.pk, "end_supervision")
    assert "督办随信访事项结束" in line, line
    assert "· 系统" in line, line
    # a user's steps are never shown as 系统
    assert all(e.actor is not None for e in _entries(petition.pk) if e.action not in JOB_STEPS)
