from datetime import date, datetime

from django.utils import timezone

from xinfang.deadlines.models import Deadline
from xinfang.deadlines.services import calendar_set_day

from .factories import register


def test_new_holiday_moves_the_petition_deadline_through_the_recompute_job(
    clerk, sysadmin, django_capture_on_commit_callbacks
):
    # given: received 2026-11-20, 15 calendar days end on Saturday 12-05, moved to Monday 12-07
    received = timezone.make_aware(datetime(2026, 11, 20, 10, 0))
    petition = register(clerk, received_at=received)
    assert petition.current_deadline == date(2026, 12, 7)
    # when: the administrator declares Monday 12-07 a holiday (Huey runs immediately in tests)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_set_day(actor=sysadmin, day=date(2026, 12, 7), kind="holiday", name="测试假日")
    # then: the stored deadline and the petition's copy both move to Tuesday
    petition.refresh_from_db()
    deadline = Deadline.objects.get(owner_type="petitions.petition", owner_id=petition.pk)
    assert deadline.due_date == date(2026, 12, 8)
    assert petition.current_deadline == date(2026, 12, 8)
