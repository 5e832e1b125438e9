"""Notices other apps ask for through their signals (apps below this layer cannot call `notify`)."""

from typing import Any

from django.dispatch import receiver

from xinfang.accounts.signals import account_notice

from .choices import NotificationKind
from .services import notify


@receiver(account_notice)
def on_account_notice(
    sender: Any, *, user: Any, title: str, body: str, link: str, dedupe_key: str, **kwargs: Any
) -> None:
    notify(
        recipients=[user],
        kind=NotificationKind.OTHER,
        title=title,
        body=body,
        link=link,
        dedupe_key=dedupe_key,
    )
