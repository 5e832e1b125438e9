from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class KeyPersonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.keypersons"
    verbose_name = "重点人员"

    def ready(self) -> None:
        from xinfang.deadlines.sensitive import register_theme_source
        from xinfang.petitions.hooks import register_petition_notes, subscribe_petition_changed
        from xinfang.procedure.engine import subscribe_transitions

        from . import alarm, clocks
        from .machine import register

        register()  # the key-person machine
        clocks.register()  # the visit clock and the sensitive periods' raise
        # a new petition's petitioners (a snapshot of True marks every change of an existing one,
        # so that only a new petition arrives with before=None)
        subscribe_petition_changed(alarm.on_petition_changed, snapshot=alarm.existed)
        subscribe_transitions(alarm.on_transition)  # duty-log entries and incidents
        register_petition_notes(alarm.petition_notes)  # the banner on a petition's page
        register_theme_source(_themes)  # a sensitive period's themes are these categories
        register_nav_entry(
            NavEntry(label="重点人员", url_name="keypersons:list", capability="keypersons.view", order=39)
        )


def _themes() -> list[tuple[str, str]]:
    from .models import KeyPersonCategory

    return list(KeyPersonCategory.objects.filter(active=True).values_list("code", "name"))
