from django.apps import AppConfig


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from .receivers import subscribe

        subscribe()
