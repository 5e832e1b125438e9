from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    label = "petitions"
    verbose_name = "信访事项"

    def ready(self) -> None:
        from xinfang.deadlines.registry import register_clock_handler

        from . import alerts, audit_vocabulary, notices, receivers, rules  # noqa: F401 - receivers connects its receivers
        from .models import OWNER_TYPE

        notices.register()  # its notices' kinds, and the petition as an owner of notices
        rules.register()  # the procedure's time limits
        audit_vocabulary.register()  # how its audit entries read on the audit page
        register_clock_handler(OWNER_TYPE, alerts.PetitionClocks())  # 临期/逾期提醒
        register_nav_entry(
            NavEntry(label="信访登记簿", url_name="petitions:register", capability="petitions.view", order=20)
        )
