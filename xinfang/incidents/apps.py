from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.incidents"
    verbose_name = "突发事件"

    def ready(self) -> None:
        from . import audit_vocabulary, clocks, notices
        from .machine import register

        register()  # the incident machine
        clocks.register()  # first report, phone report, follow-ups, the leader's arrival
        notices.register()  # the report document (首报 / 续报 / 终报)
        audit_vocabulary.register()
        register_nav_entry(
            NavEntry(label="突发事件", url_name="incidents:board", capability="incidents.view", order=38)
        )
        # the levels' rules, for the system administrator (who sees no board)
        register_nav_entry(
            NavEntry(label="突发事件分级", url_name="incidents:levels", capability="rules.manage", order=86)
        )
