from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class InfoReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.inforeports"
    verbose_name = "信息报送"

    def ready(self) -> None:
        from . import audit_vocabulary, clocks
        from .machine import register

        register()  # the report machine
        clocks.register()  # the chase at each cut-off
        audit_vocabulary.register()
        register_nav_entry(
            NavEntry(label="信息报送", url_name="inforeports:home", capability="reports.view", order=37)
        )
        # the reporting schedule, for the system administrator (who files and reads no reports)
        register_nav_entry(
            NavEntry(label="报送周期", url_name="inforeports:schedule", capability="rules.manage", order=75)
        )
