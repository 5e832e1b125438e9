from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class DutyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.duty"
    verbose_name = "值班"

    def ready(self) -> None:
        from . import audit_vocabulary, clocks
        from .machine import register

        register()  # the shift machine
        clocks.register()  # sign-in, handover and urgent-acknowledgement clocks
        audit_vocabulary.register()
        register_nav_entry(NavEntry(label="值班", url_name="duty:home", capability="duty.view", order=35))
