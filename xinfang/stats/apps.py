from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from .receivers import subscribe

        subscribe()
        from . import audit_vocabulary

        audit_vocabulary.register()  # its files by their names on the audit page
        register_nav_entry(
            NavEntry(label="统计分析", url_name="stats:index", capability="stats.view", order=40)
        )
