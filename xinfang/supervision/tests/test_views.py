"""The supervision list page and the petition page's supervision card."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.tests.factories import register
from xinfang.supervision.models import Supervision
from xinfang.supervision.selectors import supervisions_visible_to
from xinfang.supervision.services import supervision_propose_overdue

from .conftest import EAST_WIND, six_fixed


def _list_as_leader(assigned, act, user, unit_by_code):
    fields = six_fixed(user, unit_by_code, trigger="other", packages=["know_situation", "keep_control"])
    act(assigned, "list_supervision", "leader", **fields)


def test_the_list_shows_the_supervisions_in_scope(client, supervised, user):
    # given
    client.force_login(user("supervisor"))
    # when
    html = client.get(reverse("supervision:list")).content.decode()
    # then
    assert html.count('data-testid="supervision-row"') == 1
    assert supervised.number in html
    assert "推诿、敷衍、拖延" in html
    assert "城关镇 → 东风村" in html


def test_the_other_village_sees_no_supervision_of_this_one(client, supervised, user):
    client.force_login(user("village2-handler"))
    response = client.get(reverse("supervision:list"))
    assert response.status_code == 200
    assert 'data-testid="supervision-row"' not in response.content.decode()
    assert client.get(reverse("petitions:detail", args=[supervised.pk])).status_code == 404


def test_the_listed_tab_shows_six_fixed_and_five_packages(client, assigned, act, user, unit_by_code):
    # given
    _list_as_leader(assigned, act, user, unit_by_code)
    act(assigned, "supervise", "supervisor", trigger="other", method="phone")
    client.force_login(user("leader"))
    # when
    html = client.get(reverse("supervision:list"), {"tab": "listed"}).content.decode()
    # then
    assert html.count('data-testid="supervision-row"') == 1
    assert "张分管 / 陈村干部 / 钱督办" in html
    assert "2/5" in html


def test_tabs_and_filters_narrow_the_list(client, supervised, user, unit_by_code):
    client.force_login(user("supervisor"))
    url = reverse("supervision:list")
    assert "supervision-row" not in client.get(url, {"tab": "proposed"}).content.decode()
    assert "supervision-row" not in client.get(url, {"status": "closed"}).content.decode()
    other_unit = unit_by_code("341122101202").pk
    assert "supervision-row" not in client.get(url, {"unit": other_unit}).content.decode()
    east = unit_by_code(EAST_WIND).pk
    assert client.get(url, {"unit": east, "tab": "normal"}).content.decode().count("supervision-row") == 1
    partial = client.get(url, {"status": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="supervision-results">')
    assert "<html" not in partial


def test_the_list_query_count_does_not_grow_with_rows(
    client, assigned, act, user, unit_by_code, django_assert_max_num_queries
):
    # given
    _list_as_leader(assigned, act, user, unit_by_code)
    for _ in range(30):  # each reported before the next: one 事由 at a time while it runs
        act(assigned, "supervise", "supervisor", trigger="other", method="phone")
        opened = Supervision.objects.filter(petition=assigned, kind="normal", status="open").get()
        act(assigned, "answer_supervision", "village-handler", supervision=opened.pk, report="已办理")
    client.force_login(user("leader"))
    # when: session, user, policy, roles, unit, the unit filter's units, count, rows, the unread
    # notifications of the navigation bar, and the session's idle-time update (3); the calendar
    # revision for the missing-holidays note
    with django_assert_max_num_queries(13):
        response = client.get(reverse("supervision:list"))
    # then
    assert response.content.decode().count('data-testid="supervision-row"') == 25


def test_the_petition_page_shows_the_supervisions_with_six_fixed_and_progress(
    client, assigned, act, user, unit_by_code
):
    # given
    _list_as_leader(assigned, act, user, unit_by_code)
    act(assigned, "log_supervision", "village-handler", text="已入户走访")
    client.force_login(user("leader"))
    # when
    html = client.get(reverse("petitions:detail", args=[assigned.pk])).content.decode()
    # then
    assert 'data-testid="petition-supervisions"' in html
    assert "挂牌督办" in html
    assert "五包（2/5）" in html
    assert "已入户走访" in html
    assert 'data-testid="form-log_supervision"' in html


def _detail_queries(client, petition):
    client.get(reverse("petitions:detail", args=[petition.pk]))  # warm the calendar cache
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("petitions:detail", args=[petition.pk]))
    return len(queries)


def test_the_supervision_card_costs_at_most_two_queries(client, clerk, supervised, act, user):
    # given: an unsupervised matter in the same state, and the supervised one with progress
    plain = register(clerk)
    plain = act(plain, "accept", "clerk")
    plain = act(
        plain, "assign", "clerk", unit=supervised.handling_unit_id, handler=user("village-handler").pk
    )
    act(supervised, "log_supervision", "supervisor", text="电话催办")
    act(supervised, "log_supervision", "village-handler", text="正在协调")
    client.force_login(user("village-handler"))
    # when
    without = _detail_queries(client, plain)
    with_card = _detail_queries(client, supervised)
    # then: one for the rows (shared with the action guards), one for the progress entries
    assert with_card - without <= 1


def test_the_petition_pages_supervise_form_goes_through_the_transition(client, assigned, user):
    # given
    client.force_login(user("supervisor"))
    url = reverse("petitions:action", args=[assigned.pk, "supervise"])
    # when
    refused = client.post(url, {"trigger": "", "method": "电话督办"}, follow=True)
    done = client.post(
        url, {"trigger": "无正当理由超期未办结", "method": "电话督办", "responsible_unit": ""}, follow=True
    )
    # then
    assert "请选择督办事由" in refused.content.decode()
    html = done.content.decode()
    assert "已督办" in html
    assert 'data-testid="supervision-' in html
    assert 'data-testid="event-supervise"' in html


def test_the_office_dismisses_a_proposal_from_the_petition_page(client, assigned, user):
    # given: the daily job proposed a supervision of the overdue matter
    Petition.objects.filter(pk=assigned.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    supervision_propose_overdue(actor=None)
    client.force_login(user("clerk"))
    page = client.get(reverse("petitions:detail", args=[assigned.pk])).content.decode()
    assert 'data-testid="open-dismiss_supervision"' in page
    url = reverse("petitions:action", args=[assigned.pk, "dismiss_supervision"])
    # when
    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    done = client.post(url, {"reason": "已批准延期，超期有正当理由"}, follow=True).content.decode()
    # then
    assert "请填写不予督办理由" in refused
    assert "已不予督办" in done
    assert 'data-testid="event-dismiss_supervision"' in done
    assert "超期有正当理由" in done
    assert 'data-testid="open-dismiss_supervision"' not in done


def test_a_supervision_is_visible_exactly_when_its_petition_is(supervised, clerk, act, user, unit_by_code):
    # given: a second supervised matter, assigned to 红星村
    other = register(clerk, subject="反映灌溉用水纠纷")
    other = act(other, "accept", "clerk")
    other = act(other, "assign", "clerk", unit=unit_by_code("341122101202").pk)
    act(other, "supervise", "supervisor", trigger="other", method="phone")
    supervised_ids = set(Supervision.objects.values_list("petition_id", flat=True))
    # then: for every demo user, the same petitions through either selector
    for username in (
        "clerk",
        "handler",
        "supervisor",
        "county-leader",
        "village-handler",
        "village2-handler",
    ):
        actor = user(username)
        visible = set(petitions_visible_to(actor).values_list("pk", flat=True)) & supervised_ids
        assert set(supervisions_visible_to(actor).values_list("petition_id", flat=True)) == visible, username
    assert set(supervisions_visible_to(user("village2-handler")).values_list("petition_id", flat=True)) == {
        other.pk
    }
