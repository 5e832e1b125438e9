"""`notify`, marking read, and the outbound channels (log, e-mail, none) with their retries."""

import logging
import smtplib
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from xinfang.accounts.models import User
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.notifications.services import (
    DeliveryFailed,
    notification_mark_read,
    notifications_deliver,
    notifications_mark_all_read,
    notify,
)
from xinfang.notifications.tasks import notifications_deliver_task
from xinfang.petitions.alerts import alerts_sweep
from xinfang.petitions.tests.alert_helpers import place, registered, today

pytestmark = pytest.mark.usefixtures("demo")


def _notify(recipients, **overrides):
    values = {
        "recipients": recipients,
        "kind": "supervision",
        "title": "督办通知：请于本周内报送办理情况",
        "body": "县信访局督办。",
        "link": "/petitions/1/",
        "dedupe_key": "supervision:1",
    }
    values.update(overrides)
    return notify(**values)


# --- notify -------------------------------------------------------------------------------------


def test_notify_twice_with_the_same_key_notifies_each_recipient_once(clerk, leader):
    # given
    first = _notify([clerk, leader, clerk])

    # when
    second = _notify([clerk.pk, leader, User.objects.get(username="principal")])

    # then
    assert (first, second) == (2, 1)
    assert Notification.objects.filter(dedupe_key="supervision:1").count() == 3


def test_notify_without_a_key_always_notifies(clerk):
    # when
    counts = [_notify([clerk], dedupe_key="") for _ in range(2)]

    # then
    assert counts == [1, 1]
    assert Notification.objects.filter(recipient=clerk).count() == 2


def test_notify_links_the_petition(clerk):
    # given
    petition = registered()

    # when
    _notify([clerk], owner=petition, dedupe_key="")

    # then
    notice = Notification.objects.get(recipient=clerk)
    assert (notice.owner_type, notice.owner_id) == ("petitions.petition", petition.pk)


def test_notify_refuses_an_unknown_kind_and_writes_nothing(clerk):
    with pytest.raises(ValidationFailed, match="未知的通知类型"):
        _notify([clerk], kind="gossip")
    assert not Notification.objects.exists()


def test_notify_with_nobody_to_tell_writes_nothing():
    assert _notify([]) == 0
    assert not Notification.objects.exists()


# --- reading ------------------------------------------------------------------------------------


def test_marking_read_is_idempotent_and_keeps_the_first_time(clerk):
    # given
    _notify([clerk])
    notification = Notification.objects.get()

    # when
    first = notification_mark_read(actor=clerk, notification_id=notification.pk)
    second = notification_mark_read(actor=clerk, notification_id=notification.pk)

    # then
    assert first.read_at is not None
    assert second.read_at == first.read_at
    notification.refresh_from_db()
    assert notification.read_at == first.read_at


def test_nobody_can_mark_another_users_notification_and_it_stays_unread(clerk, leader):
    # given
    _notify([clerk])
    notification = Notification.objects.get()

    # when / then
    with pytest.raises(NotFound):
        notification_mark_read(actor=leader, notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_the_actors_unread(clerk, leader):
    # given
    _notify([clerk, leader], dedupe_key="a")
    _notify([clerk], dedupe_key="b")
    notification_mark_read(actor=clerk, notification_id=Notification.objects.get(dedupe_key="b").pk)

    # when
    marked = notifications_mark_all_read(actor=clerk)

    # then
    assert marked == 1
    assert not Notification.objects.filter(recipient=clerk, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=leader).read_at is None


# --- outbound channels --------------------------------------------------------------------------


def test_the_log_channel_is_the_default_and_logs_one_line_per_notification(
    clerk, caplog, django_capture_on_commit_callbacks
):
    # when
    with (
        caplog.at_level(logging.INFO, logger="xinfang.notifications.channels"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _notify([clerk])

    # then
    lines = [r.getMessage() for r in caplog.records if r.name == "xinfang.notifications.channels"]
    assert lines == ["消息通知 → clerk：督办通知：请于本周内报送办理情况"]
    assert Notification.objects.get().delivered_at is not None


def test_sweep_notices_in_the_log_name_no_petitioner(caplog, django_capture_on_commit_callbacks):
    # given: the factory's petitioner 张三, ID 11010519491231002X, phone 13812345678
    petition = place(registered(), today() - timedelta(days=1))

    # when
    with (
        caplog.at_level(logging.INFO, logger="xinfang.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        alerts_sweep()

    # then
    lines = [r.getMessage() for r in caplog.records if r.name == "xinfang.notifications.channels"]
    assert len(lines) == 3
    assert all(petition.number in line for line in lines)
    for personal in ("张三", "11010519491231002X", "13812345678", "东风村3组", petition.subject):
        assert personal not in caplog.text
        assert not Notification.objects.filter(body__contains=personal).exists()


@override_settings(XINFANG_NOTIFY_CHANNEL="smtp", XINFANG_NOTIFY_SITE_URL="https://xinfang.example.gov")
def test_the_smtp_channel_mails_recipients_with_an_address(
    clerk, leader, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    User.objects.filter(pk=clerk.pk).update(email="clerk@xinfang.example.gov")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        _notify([clerk, leader])

    # then
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["clerk@xinfang.example.gov"]
    assert message.subject == "【信访维稳工作平台】督办通知：请于本周内报送办理情况"
    assert "https://xinfang.example.gov/petitions/1/" in message.body
    delivered = dict(Notification.objects.values_list("recipient__username", "delivered_at"))
    assert delivered["clerk"] is not None
    assert delivered["leader"] is None


@override_settings(XINFANG_NOTIFY_CHANNEL="smtp")
def test_a_failed_mail_keeps_the_notification_and_a_retry_sends_only_what_failed(clerk, leader, mailoutbox):
    # given
    User.objects.filter(pk__in=[clerk.pk, leader.pk]).update(email="someone@xinfang.example.gov")
    _notify([clerk, leader])
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    from django.core.mail import send_mail as real_send_mail

    def refuse_the_leader(**kwargs):
        if kwargs["recipient_list"] == ["someone@xinfang.example.gov"] and len(mailoutbox) == 1:
            raise smtplib.SMTPRecipientsRefused({"someone@xinfang.example.gov": (550, b"mailbox full")})
        return real_send_mail(**kwargs)

    # when: the second mail is refused
    with (
        patch("xinfang.notifications.channels.send_mail", side_effect=refuse_the_leader),
        pytest.raises(DeliveryFailed, match="1 条"),
    ):
        notifications_deliver_task.call_local(ids)
    sent_before_retry = len(mailoutbox)
    retried = notifications_deliver_task.call_local(ids)

    # then
    assert Notification.objects.count() == 2
    assert (sent_before_retry, retried, len(mailoutbox)) == (1, 1, 2)
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert notifications_deliver_task.s(ids).retries == 3


@override_settings(XINFANG_NOTIFY_CHANNEL="smtp")
def test_an_unreachable_mail_server_fails_every_message_for_a_later_retry(clerk, caplog):
    # given
    User.objects.filter(pk=clerk.pk).update(email="clerk@xinfang.example.gov")
    _notify([clerk])

    # when
    with (
        patch("django.core.mail.backends.locmem.EmailBackend.open", side_effect=ConnectionRefusedError()),
        pytest.raises(DeliveryFailed),
    ):
        notifications_deliver(notification_ids=[Notification.objects.get().pk])

    # then
    assert "邮件服务器不可用" in caplog.text
    assert Notification.objects.get().delivered_at is None


@override_settings(XINFANG_NOTIFY_CHANNEL="none")
def test_the_none_channel_keeps_notifications_in_the_app_only(clerk, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify([clerk])

    # then
    assert callbacks == []
    assert Notification.objects.get().delivered_at is None


@override_settings(XINFANG_NOTIFY_CHANNEL="pigeon")
def test_an_unknown_channel_is_a_configuration_error(clerk):
    with pytest.raises(ImproperlyConfigured, match="XINFANG_NOTIFY_CHANNEL"):
        _notify([clerk])
