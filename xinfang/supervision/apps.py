from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        # the supervision machine, attached to petitions: its steps on the petition's page and API
        from . import notices
        from .machine import register

        register()
        from . import clocks  # also connects the deadlines_changed receiver

        clocks.register()  # the 督办报告期限 rule
        notices.register()  # the 督查督办通知单
        from . import audit_vocabulary

        audit_vocabulary.register()  # how its audit entries read on the audit page
        register_nav_entry(
            NavEntry(label="督查督办", url_name="supervision:list", capability="petitions.view", order=30)
        )
