from django.apps import AppConfig


class ScreeningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.screenings"
    verbose_name = "矛盾纠纷排查"

    def ready(self) -> None:
        pass
