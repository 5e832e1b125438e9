from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        # the supervision actions join the petition's procedure and its page's action forms
        from .actions import register

        register()
