from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class DeadlinesConfig(AppConfig):
    name = "xinfang.deadlines"
    label = "deadlines"
    verbose_name = "节假日与期限"

    def ready(self) -> None:
        from . import audit_vocabulary

        audit_vocabulary.register()  # how calendar and clock entries read on the audit page
        register_nav_entry(
            NavEntry(
                label="期限计算器", url_name="deadlines:calculator", capability="calendar.compute", order=50
            )
        )
        register_nav_entry(
            NavEntry(
                label="节假日设置", url_name="deadlines:holidays", capability="calendar.manage", order=60
            )
        )
        register_nav_entry(
            NavEntry(label="期限规则", url_name="deadlines:rules", capability="rules.manage", order=70)
        )
