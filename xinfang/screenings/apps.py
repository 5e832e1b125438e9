from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class ScreeningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.screenings"
    verbose_name = "矛盾纠纷排查"

    def ready(self) -> None:
        from . import audit_vocabulary, clocks
        from .machine import register

        register()  # the round machine
        clocks.register()  # the chase at each cut-off
        audit_vocabulary.register()
        register_nav_entry(
            NavEntry(label="矛盾排查", url_name="screenings:home", capability="screenings.view", order=38)
        )
        # the screening schedule, for the system administrator (who files and reads no rounds)
        register_nav_entry(
            NavEntry(label="排查周期", url_name="screenings:schedule", capability="rules.manage", order=76)
        )
