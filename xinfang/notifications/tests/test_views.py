"""The inbox page, marking read from it, and the navbar badge."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from xinfang.notifications.models import Notification
from xinfang.notifications.services import notification_mark_read, notify

pytestmark = pytest.mark.usefixtures("demo")

INBOX = "/notifications/"


def _notify(recipients, n=1, **overrides):
    for i in range(n):
        values = {
            "recipients": recipients,
            "kind": "deadline_overdue",
            "title": f"信访件 341122101-2026-{i:06d} 办理期限已逾期（2026-11-20）",
            "link": f"/petitions/{i + 1}/",
            "dedupe_key": f"test:{i}",
        }
        values.update(overrides)
        notify(**values)


def _badge(html: str) -> str:
    match = re.search(r'<span id="inbox-badge"[^>]*>([^<]*)</span>', html)
    assert match is not None
    return match.group(1)


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_lists_only_the_users_own_notifications_newest_first(client, clerk, leader):
    # given
    _notify([clerk], n=2)
    _notify([leader], title="给分管领导的消息", dedupe_key="leader-only")
    client.force_login(clerk)

    # when
    response = client.get(INBOX)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert [n.title for n in response.context["notifications"]] == [
        "信访件 341122101-2026-000001 办理期限已逾期（2026-11-20）",
        "信访件 341122101-2026-000000 办理期限已逾期（2026-11-20）",
    ]
    assert "给分管领导的消息" not in html
    assert 'data-testid="read-all"' in html


def test_the_unread_filter_hides_what_was_read(client, clerk):
    # given
    _notify([clerk], n=3)
    notification_mark_read(actor=clerk, notification_id=Notification.objects.get(dedupe_key="test:1").pk)
    client.force_login(clerk)

    # when
    response = client.get(INBOX, {"unread": "1"})

    # then
    assert [n.dedupe_key for n in response.context["notifications"]] == ["test:2", "test:0"]
    assert response.context["page_obj"].paginator.count == 2


def test_the_inbox_pages_by_25_and_keeps_the_filter_in_the_page_links(client, clerk):
    # given
    _notify([clerk], n=27)
    client.force_login(clerk)

    # when
    first = client.get(INBOX, {"unread": "1"})
    second = client.get(INBOX, {"unread": "1", "page": "2"})

    # then
    assert len(first.context["notifications"]) == 25
    assert len(second.context["notifications"]) == 2
    assert "?unread=1&amp;page=2" in first.content.decode()


def test_the_inbox_query_count_does_not_grow_with_rows(client, clerk, django_assert_num_queries):
    # given
    _notify([clerk], n=30)
    client.force_login(clerk)
    client.get(INBOX)

    # when / then: session, user, the user's unit and roles (navbar); the badge's count, the
    # page's count, the page; the session saved (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(INBOX)
    assert len(response.context["notifications"]) == 25


def test_clicking_a_notification_marks_it_read_and_opens_its_page(client, clerk):
    # given
    _notify([clerk])
    notification = Notification.objects.get()
    client.force_login(clerk)

    # when
    response = client.post(reverse("notifications:read", args=[notification.pk]))

    # then
    assert response.status_code == 302
    assert response["Location"] == "/petitions/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_off_site_is_not_followed(client, clerk):
    # given
    _notify([clerk], link="//evil.example.com/")
    client.force_login(clerk)

    # when
    response = client.post(reverse("notifications:read", args=[Notification.objects.get().pk]))

    # then
    assert response["Location"] == INBOX


def test_marking_read_with_htmx_returns_the_item_and_the_new_badge(client, clerk):
    # given
    _notify([clerk], n=2)
    notification = Notification.objects.get(dedupe_key="test:0")
    client.force_login(clerk)

    # when
    response = client.post(reverse("notifications:read", args=[notification.pk]), HTTP_HX_REQUEST="true")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in html
    assert 'data-unread="0"' in html
    assert 'hx-swap-oob="true"' in html
    assert _badge(html) == "1"


def test_marking_another_users_notification_is_404_and_changes_nothing(client, clerk, leader):
    # given
    _notify([leader])
    notification = Notification.objects.get()
    client.force_login(clerk)

    # when
    response = client.post(reverse("notifications:read", args=[notification.pk]))

    # then
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_the_csrf_token(clerk):
    # given
    _notify([clerk])
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(clerk)

    # when
    response = csrf_client.post(reverse("notifications:read", args=[Notification.objects.get().pk]))

    # then
    assert response.status_code == 403
    assert Notification.objects.get().read_at is None


def test_read_all_marks_every_unread_notification(client, clerk, leader):
    # given
    _notify([clerk, leader], n=3)
    client.force_login(clerk)

    # when
    response = client.post(reverse("notifications:read_all"), follow=True)

    # then
    assert "已将 3 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=clerk, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=leader, read_at__isnull=True).count() == 3


def test_the_navbar_badge_shows_the_unread_count(client, clerk):
    # given
    _notify([clerk], n=3)
    notification_mark_read(actor=clerk, notification_id=Notification.objects.get(dedupe_key="test:0").pk)
    client.force_login(clerk)

    # when
    html = client.get(reverse("workbench:home")).content.decode()

    # then
    assert 'data-testid="inbox-badge"' in html
    assert _badge(html) == "2"


def test_the_badge_is_hidden_without_unread_notifications(client, leader):
    # given
    client.force_login(leader)

    # when
    html = client.get(INBOX).content.decode()

    # then
    badge = re.search(r'<span id="inbox-badge"[^>]*>', html).group(0)
    assert "d-none" in badge
    assert "暂无消息" in html


def test_the_badge_caps_at_99(client, clerk):
    # given
    _notify([clerk], n=100)
    client.force_login(clerk)

    # when
    html = client.get(INBOX).content.decode()

    # then
    assert _badge(html) == "99+"


def test_the_login_page_has_no_badge(client):
    html = client.get("/accounts/login/").content.decode()
    assert "inbox-badge" not in html
