"""待办 of dispute work on the home page: a committee's disputes awaiting a mediator (its mediators
and office), a mediator's own disputes in mediation, return visits due within 7 days or overdue
and 司法确认 windows ending within 3 days (the mediator, and the handling committee's office). One
aggregate of the dispute table for the four counts; a row names the dispute's kind and unit,
never a party."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.disputes.models import Dispute
from xinfang.disputes.tests.helpers import register, step, user
from xinfang.workbench.selectors import todo_groups

pytestmark = pytest.mark.usefixtures("demo")


def groups(username: str) -> dict[str, tuple[int, list[str]]]:
    return {g.code: (g.count, [r.number for r in g.rows]) for g in todo_groups(actor=user(username))}


def test_a_dispute_awaits_a_mediator_at_the_committee_that_handles_it(client):
    village = register()  # 三类: the village committee
    township = register(amount=20000)  # 二类: the township committee
    assert groups("village-handler")["disputes_unassigned"] == (1, [village.number])
    assert groups("mediator")["disputes_unassigned"] == (1, [township.number])
    assert groups("clerk")["disputes_unassigned"] == (1, [township.number])
    assert "disputes_unassigned" not in groups("village2-handler")
    assert "disputes_unassigned" not in groups("supervisor")  # reads disputes, mediates none
    # assigned: the mediator's own, no longer awaiting one
    step(township, "assign_mediator", "clerk", mediator=user("mediator").pk)
    mine = groups("mediator")
    assert mine["disputes_mine"] == (1, [township.number])
    assert "disputes_unassigned" not in mine
    client.force_login(user("mediator"))
    html = client.get("/").content.decode()
    group = html.split('data-testid="todo-group-disputes_mine"')[1].split("</ul>")[0]
    assert f'href="/disputes/{township.pk}/"' in group
    assert "邻里纠纷（东风村）" in group  # the unit where it arose
    assert "张甲" not in html


def test_return_visits_and_confirmation_windows_wait_for_the_mediator_and_the_office():
    dispute = register(amount=20000, procedure="simple")
    dispute = step(dispute, "assign_mediator", "clerk", mediator=user("mediator").pk)
    dispute = step(dispute, "record_outcome", "mediator", outcome="agreed", oral_terms="李乙当场道歉")
    assert dispute.status == "performing"
    assert "disputes_visits" not in groups("mediator")  # half a year away
    today = timezone.localdate()
    Dispute.objects.filter(pk=dispute.pk).update(
        next_visit_due=today + timedelta(days=5), confirmation_ends=today + timedelta(days=2)
    )
    assert groups("mediator")["disputes_visits"] == (1, [dispute.number])
    assert groups("mediator")["disputes_confirmation"] == (1, [dispute.number])
    assert groups("clerk")["disputes_visits"] == (1, [dispute.number])  # the committee's office
    assert "disputes_visits" not in groups("handler")  # a mediator of the township, not this one's
    overdue = todo_groups(actor=user("mediator"))
    visits = next(g for g in overdue if g.code == "disputes_visits")
    assert visits.rows[0].deadline == today + timedelta(days=5)
    assert "回访当事人" in visits.rows[0].what
    # overdue still waits; a recorded confirmation or visit does not
    Dispute.objects.filter(pk=dispute.pk).update(
        next_visit_due=today - timedelta(days=1), confirmation="applied"
    )
    mine = groups("mediator")
    assert mine["disputes_visits"] == (1, [dispute.number])
    assert "disputes_confirmation" not in mine
    step(
        Dispute.objects.get(pk=dispute.pk),
        "record_visit",
        "mediator",
        satisfaction="satisfied",
        note="已履行",
    )
    assert "disputes_visits" not in groups("mediator")
