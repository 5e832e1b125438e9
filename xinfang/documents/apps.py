from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.documents"
    verbose_name = "文书"

    def ready(self) -> None:
        from . import audit_vocabulary

        audit_vocabulary.register()  # notice kinds by their labels on the audit page
        register_nav_entry(
            NavEntry(
                label="文书模板", url_name="documents:templates", capability="templates.manage", order=80
            )
        )
