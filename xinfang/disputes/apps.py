from django.apps import AppConfig


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.disputes"
    verbose_name = "矛盾纠纷调处"

    def ready(self) -> None:
        pass
