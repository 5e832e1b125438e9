"""待办 on every role's home page: what waits for this user, by kind, each with its deadline; the
counts are aggregates and the rows one page from the database, so the page costs the same few
queries whatever the data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.organisation.models import Unit
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition
from xinfang.supervision.models import Supervision
from xinfang.workbench.selectors import todo_groups

TOWNSHIP, VILLAGE = "341122101", "341122101201"
CHECKS = ["facts", "characterisation", "disposal", "procedure"]
# the dashboard's (test_home.DASHBOARD_QUERIES, with the to-do's leaders below and counts), one
# page of rows per kind waiting (3) and the calendar for their traffic lights (1)
# + 今日值班 for the township and the county above it (the unit above, the shifts running now) and
# the office head's check of the published rosters for gaps (one query, none published): +3
# + the stability half's 待办: one aggregate per table (reports, incidents, incident reports, plan
# tasks, instructions): +5
# + the disputes' 待办 (待指定调解员, 我调解的, 回访, 司法确认): one aggregate of the dispute table: +1
LEADER_HOME_QUERIES = 35  # one COUNT per kind of work, each read from its own index; the disputes card 4


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _act(petition, action, username, **fields):  # type: ignore[no-untyped-def]
    return petition_transition(petition=petition, action=action, actor=_user(username), **fields)


def _assigned(**overrides):  # type: ignore[no-untyped-def]
    petition = _act(register(_user("clerk"), **overrides), "accept", "clerk")
    village = Unit.objects.get(code=VILLAGE)
    return _act(petition, "assign", "clerk", unit=village.pk, handler=_user("village-handler").pk)


def _reported(**overrides):  # type: ignore[no-untyped-def]
    return _act(_assigned(**overrides), "submit_report", "village-handler", report="经核查，已协调解决。")


def _extension_asked():  # type: ignore[no-untyped-def]
    return _act(
        _assigned(subject="申请延期的事项"), "request_extension", "village-handler", days=10, reason="复杂"
    )


def _in_review():  # type: ignore[no-untyped-def]
    """城关派出所 (an organ under the township) answered in its own name: the township reviews."""
    petition = _act(register(_user("clerk"), subject="申请复查的事项"), "accept", "clerk")
    station = Unit.objects.get(code="341122101P")
    petition = _act(petition, "assign", "clerk", unit=station.pk, handler=_user("station-handler").pk)
    petition = _act(petition, "submit_report", "station-handler", report="经核查，已协调解决。")
    petition = _act(petition, "approve_report", "leader", checks=CHECKS)
    today = timezone.localdate()
    petition = _act(
        petition, "answer", "station-handler", outcome="support", text="支持。", delivered_on=today
    )
    return _act(petition, "request_review", "clerk", requested_on=today, reason="不服")


def _groups(username: str) -> dict[str, tuple[int, list[str]]]:
    return {g.code: (g.count, [r.number for r in g.rows]) for g in todo_groups(actor=_user(username))}


# --- leaders --------------------------------------------------------------------------------------


def test_a_leaders_home_lists_reports_and_extensions_to_approve_and_reviews_to_decide(client, demo):
    # given
    report, extension, review = _reported(), _extension_asked(), _in_review()
    client.force_login(_user("leader"))
    # when
    body = client.get("/").content.decode()
    # then: each kind with its count, its rows and their deadlines, above the dashboard
    assert body.index('data-testid="todo"') < body.index('data-testid="dashboard"')
    for code, petition in (("reports", report), ("extensions", extension), ("reviews", review)):
        section = body.split(f'data-testid="todo-group-{code}"')[1].split('class="todo-group"')[0]
        assert petition.number in section
        petition.refresh_from_db()
        assert f"{petition.current_deadline:%Y-%m-%d}" in section
    assert "东风村提交办结报告" in body
    assert "东风村申请延期 10 日" in body
    assert "复查申请，由城关镇决定" in body
    assert 'data-testid="todo-total">3<' in body


def test_a_report_waits_for_the_nearest_leaders_and_for_the_leader_who_took_the_matter(demo):
    # given: two reports of 东风村; the county's leader took the second (包案)
    plain = _reported()
    owned = _act(_assigned(), "take_ownership", "county-leader")
    owned = _act(owned, "submit_report", "village-handler", report="已解决。")
    # when / then: the township's leaders approve both; the county's only the one it took
    assert _groups("leader")["reports"] == (2, [plain.number, owned.number])
    assert _groups("principal")["reports"][0] == 2
    assert _groups("county-leader")["reports"] == (1, [owned.number])


def test_a_kind_is_paged_in_the_database(client, demo):
    # given
    reports = [_reported() for _ in range(7)]
    client.force_login(_user("leader"))
    # when
    first = client.get("/").content.decode()
    second = client.get("/?todo=reports&todo_page=2").content.decode()
    # then
    assert first.count('data-testid="todo-row"') == 5
    assert "todo=reports&amp;todo_page=2" in first
    assert second.count('data-testid="todo-row"') == 2
    assert reports[-1].number in second
    assert "共 7 件" in second


@pytest.mark.parametrize("extra", [0, 4])
def test_a_leaders_home_takes_a_pinned_number_of_queries(client, demo, django_assert_max_num_queries, extra):
    # given: a report, an extension and a review waiting (and more of each)
    for _ in range(extra + 1):
        _reported()
        _extension_asked()
    _in_review()
    client.force_login(_user("leader"))
    client.get("/")  # the session and the calendar cache settle on the first request
    # when / then: the same number with one or five of each waiting
    with django_assert_max_num_queries(LEADER_HOME_QUERIES):
        assert client.get("/").status_code == 200


# --- the front desk, handlers, supervision --------------------------------------------------------


def test_the_front_desk_sees_matters_to_accept_and_those_returned_by_an_objection(client, demo):
    # given: a new matter, and an assigned one the village returned
    new = register(_user("clerk"), subject="新登记的事项")
    returned = _act(_assigned(subject="被退回的事项"), "object", "village-handler", reason="不属于本村职权")
    # when
    groups = _groups("clerk")
    client.force_login(_user("clerk"))
    body = client.get("/").content.decode()
    # then
    assert groups["decide"] == (1, [new.number])
    assert groups["route"] == (1, [returned.number])
    assert "异议退回，待重新交办" in body


def test_a_handler_sees_a_returned_report_and_a_supervision_to_report_on(client, demo):
    # given
    returned = _act(_reported(), "return_report", "leader", reason="事实不清")
    supervised = _assigned(subject="被督办的事项")
    _act(supervised, "supervise", "supervisor", trigger="shirking", method="phone")
    # when
    groups = _groups("village-handler")
    # then
    assert groups["returned"] == (1, [returned.number])
    assert groups["supervised"] == (1, [supervised.number])
    client.force_login(_user("village-handler"))
    body = client.get("/").content.decode()
    assert "城关镇督办（推诿、敷衍、拖延）" in body
    assert 'data-testid="work-queue"' in body  # the whole queue stays below


def test_every_handler_of_the_unit_sees_a_matter_assigned_without_a_handler_until_one_claims_it(demo):
    # given: a matter assigned to 东风村 with no handler named
    petition = _act(register(_user("clerk")), "accept", "clerk")
    petition = _act(petition, "assign", "clerk", unit=Unit.objects.get(code=VILLAGE).pk)
    # then: it waits for the village's handlers, not for the other village's
    assert _groups("village-handler")["claim"] == (1, [petition.number])
    assert _groups("village2-handler")["claim"] == (0, [])
    # when: the handler claims it, it is theirs
    _act(petition, "claim", "village-handler")
    groups = _groups("village-handler")
    assert (groups["claim"], groups["assigned"]) == ((0, []), (1, [petition.number]))


def test_the_supervisor_sees_reports_to_close_and_supervisions_reported_late(demo):
    # given: one supervision reported, one past its time limit
    reported = _assigned()
    _act(reported, "supervise", "supervisor", trigger="shirking", method="phone")
    _act(reported, "answer_supervision", "village-handler", report="已办理")
    late = _assigned()
    _act(late, "supervise", "supervisor", trigger="procedure", method="letter")
    Supervision.objects.filter(petition=late).update(deadline=timezone.localdate() - timedelta(days=2))
    # when
    groups = _groups("supervisor")
    # then
    assert groups["reported"] == (1, [reported.number])
    assert groups["late"] == (1, [late.number])
    assert groups["proposed"] == (0, [])


def test_a_role_without_work_sees_an_empty_list_and_the_auditor_none(client, demo):
    client.force_login(_user("village2-handler"))
    assert 'data-testid="todo-empty"' in client.get("/").content.decode()
    client.force_login(_user("auditor"))
    assert 'data-testid="todo"' not in client.get("/").content.decode()
