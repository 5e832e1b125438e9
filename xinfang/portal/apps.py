from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.portal"
    verbose_name = "网上信访"

    def ready(self) -> None:
        from xinfang.petitions.hooks import register_petition_links, register_review_requested_on
        from xinfang.procedure.engine import subscribe_transitions

        from . import audit_vocabulary, services

        audit_vocabulary.register()
        register_petition_links(services.petition_notes)  # the online review request, on its page
        register_review_requested_on(services.review_requested_on)
        subscribe_transitions(services.on_transition)  # registered requests leave the office's list
        register_nav_entry(
            NavEntry(label="网上信访", url_name="portal_desk:home", capability="petitions.accept", order=25)
        )
