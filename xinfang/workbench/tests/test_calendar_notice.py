"""A year whose holiday schedule is missing: a warning for the system administrator, who can enter
it, and a small note where deadlines are shown; no banner on everyone's home page."""

import pytest
from django.utils import timezone

from xinfang.deadlines.models import CalendarYear
from xinfang.petitions.tests.factories import register

BANNER = 'data-testid="calendar-warning"'
NOTE = 'data-testid="calendar-note"'


@pytest.fixture
def year_missing(demo):
    """A year whose holiday schedule is not entered: this year (next year counts from November,
    when the State Council publishes its schedule)."""
    year = timezone.localdate().year
    CalendarYear.objects.filter(year=year).delete()
    return year


def test_the_missing_calendar_banner_goes_to_the_system_administrator_only(client, year_missing):
    from xinfang.accounts.models import User

    # when: every demo account opens its home page
    warned = set()
    for user in User.objects.all():
        client.force_login(user)
        body = client.get("/").content.decode()
        if BANNER in body:
            warned.add(user.username)
            sysadmin_body = body
    # then: only the one who can enter the year is warned, with the link to do it
    assert warned == {"sysadmin"}
    banner = sysadmin_body.split(BANNER)[1].split("</div>")[0]
    assert str(year_missing) in banner
    assert "年的法定节假日安排尚未录入" in banner
    assert f"/calendar/holidays/?year={year_missing}" in sysadmin_body


def test_pages_with_deadlines_carry_a_small_note(client, clerk, handler, year_missing, unit_by_code):
    # given: a matter assigned to the handler, so that both queues and the register show deadlines
    from xinfang.petitions.workflow import petition_transition

    petition = register(clerk, problem_unit=unit_by_code("341122101"))
    petition_transition(
        petition=petition, action="assign", actor=clerk, unit=clerk.unit_id, handler=handler.pk
    )
    for user, url in (
        (clerk, "/petitions/"),
        (clerk, f"/petitions/{petition.pk}/"),
        (handler, "/"),
        (clerk, "/supervision/"),
    ):
        client.force_login(user)
        # when
        body = client.get(url).content.decode()
        # then
        assert NOTE in body, url
        note = body.split(NOTE)[1].split("</p>")[0]
        assert str(year_missing) in note, url
        assert "年的法定节假日安排尚未录入" in note, url
        assert BANNER not in body, url
    # and: once both years are entered, the note is gone
    for year in (year_missing, year_missing + 1):
        CalendarYear.objects.update_or_create(
            year=year, defaults={"is_complete": True, "updated_at": timezone.now()}
        )
    client.force_login(clerk)
    assert NOTE not in client.get("/petitions/").content.decode()
