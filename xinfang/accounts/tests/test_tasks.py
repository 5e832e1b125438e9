from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from xinfang.accounts.tasks import clear_expired_sessions_task


def test_hourly_job_removes_only_expired_sessions(db):
    # given
    live = SessionStore()
    live["x"] = 1
    live.create()
    Session.objects.create(
        session_key="old" * 10, session_data="", expire_date=timezone.now() - timedelta(minutes=1)
    )
    # when
    deleted = clear_expired_sessions_task.call_local()
    # then
    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
