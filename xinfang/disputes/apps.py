from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.disputes"
    verbose_name = "矛盾纠纷调处"

    def ready(self) -> None:
        from . import clocks
        from .machine import register_machine

        register_machine()  # the dispute machine and the 调解协议书
        clocks.register()  # 司法确认申请期, 回访
        register_nav_entry(
            NavEntry(label="矛盾纠纷", url_name="disputes:home", capability="disputes.view", order=39)
        )
