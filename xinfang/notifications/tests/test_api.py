"""The notifications API: the caller's own notifications only."""

import pytest

from xinfang.notifications.models import Notification
from xinfang.notifications.services import notification_mark_read, notify
from xinfang.petitions.tests.alert_helpers import registered

pytestmark = pytest.mark.usefixtures("demo")

API = "/api/v1/notifications"


def _notify(recipients, n=1, **overrides):
    for i in range(n):
        values = {
            "recipients": recipients,
            "kind": "deadline_near",
            "title": f"信访件 {i} 受理期限将至（2026-11-26）",
            "body": "受理期限为 2026-11-26，还剩 2 天；当前状态：已登记。请按期办理。",
            "link": f"/petitions/{i + 1}/",
            "dedupe_key": f"api:{i}",
        }
        values.update(overrides)
        notify(**values)


def test_list_gives_counts_and_items_newest_first(api_client, clerk, leader):
    # given
    petition = registered()
    _notify([clerk], n=3, owner=petition)
    _notify([leader], n=2)
    notification_mark_read(
        actor=clerk, notification_id=Notification.objects.get(recipient=clerk, dedupe_key="api:0").pk
    )

    # when
    response = api_client(clerk).get(API, page_size=2)

    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["unread"], body["page"], body["page_size"]) == (3, 2, 1, 2)
    first = body["items"][0]
    assert set(first) == {
        "id",
        "kind",
        "kind_label",
        "title",
        "body",
        "owner_type",
        "owner_id",
        "link",
        "created_at",
        "read_at",
    }
    assert (first["kind"], first["kind_label"], first["owner_type"], first["owner_id"]) == (
        "deadline_near",
        "临期提醒",
        "petitions.petition",
        petition.pk,
    )
    assert [item["title"] for item in body["items"]] == [
        "信访件 2 受理期限将至（2026-11-26）",
        "信访件 1 受理期限将至（2026-11-26）",
    ]
    assert first["read_at"] is None


def test_list_unread_only_and_the_second_page(api_client, clerk):
    # given
    _notify([clerk], n=5)
    notification_mark_read(actor=clerk, notification_id=Notification.objects.get(dedupe_key="api:4").pk)
    client = api_client(clerk)

    # when
    response = client.get(API, unread="true", page=2, page_size=3)

    # then
    body = response.json()
    assert (body["count"], body["unread"]) == (4, 4)
    assert [item["link"] for item in body["items"]] == ["/petitions/1/"]


def test_list_refuses_a_page_size_over_100(api_client, clerk):
    response = api_client(clerk).get(API, page_size=101)
    assert response.status_code == 422


def test_list_query_count_does_not_grow_with_rows(api_client, clerk, django_assert_max_num_queries):
    # given
    _notify([clerk], n=30)
    client = api_client(clerk)

    # when / then: the token and its user, the count, the unread count, the page
    with django_assert_max_num_queries(6):
        response = client.get(API, page_size=25)
    assert len(response.json()["items"]) == 25


def test_read_one_marks_it_and_returns_it(api_client, clerk):
    # given
    _notify([clerk])
    notification = Notification.objects.get()

    # when
    response = api_client(clerk).post(f"{API}/{notification.pk}/read", {})

    # then
    assert response.status_code == 200
    assert response.json()["id"] == notification.pk
    assert response.json()["read_at"] is not None
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("which", ["another users", "missing"])
def test_read_one_is_404_for_another_users_or_a_missing_notification(api_client, clerk, leader, which):
    # given
    _notify([leader])
    notification = Notification.objects.get()
    target = notification.pk if which == "another users" else notification.pk + 100

    # when
    response = api_client(clerk).post(f"{API}/{target}/read", {})

    # then
    assert response.status_code == 404
    assert response.json() == {"message": "记录不存在或您无权查看。"}
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_marks_only_the_callers(api_client, clerk, leader):
    # given
    _notify([clerk, leader], n=2)

    # when
    response = api_client(clerk).post(f"{API}/read-all", {})

    # then
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(recipient=leader, read_at__isnull=True).count() == 2


def test_the_api_needs_a_token(client):
    assert client.get(API).status_code == 401
