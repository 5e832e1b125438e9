from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class AuditConfig(AppConfig):
    name = "xinfang.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import vocabulary

        vocabulary.register()  # how the shared keys of every entry's details read
        register_nav_entry(
            NavEntry(label="审计日志", url_name="audit:entry_list", capability="audit.view_log", order=130)
        )
