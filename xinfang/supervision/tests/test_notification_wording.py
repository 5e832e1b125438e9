"""Supervision notifications name the petition by its number only: never its subject (which may
name people) and never a petitioner (README, 消息通知)."""

from datetime import timedelta

from xinfang.notifications.models import Notification
from xinfang.supervision.models import Supervision
from xinfang.supervision.services import supervision_escalate_overdue


def _assert_number_only(petition, kinds):  # type: ignore[no-untyped-def]
    notes = list(Notification.objects.filter(kind__in=kinds))
    assert {n.kind for n in notes} == set(kinds)
    for note in notes:
        text = f"{note.title} {note.body}"
        assert petition.number in note.title
        assert petition.subject not in text
        assert "拖欠工资" not in text
        assert "张三" not in text


def test_opened_and_answered_notifications_quote_only_the_number(supervised, act):
    act(supervised, "answer_supervision", "village-handler", report="已与信访人见面。")
    _assert_number_only(supervised, ["supervision"])
    assert Notification.objects.filter(kind="supervision").count() >= 2


def test_escalation_notifications_quote_only_the_number(supervised):
    supervision = Supervision.objects.get(petition=supervised)
    supervision_escalate_overdue(actor=None, today=supervision.deadline + timedelta(days=1))
    _assert_number_only(supervised, ["escalation"])
