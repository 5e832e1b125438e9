from django.apps import AppConfig

from xinfang.core.navigation import TOOLS, NavEntry, register_nav_entry


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the receivers of other apps' signals

        # the bell at the right of the bar, its unread badge from context_processors.inbox
        register_nav_entry(
            NavEntry(
                label="消息通知",
                url_name="notifications:inbox",
                order=10,
                group=TOOLS,
                icon="bi-bell",
                template="notifications/partials/_nav_bell.html",
            )
        )
