from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class OrganisationConfig(AppConfig):
    name = "xinfang.organisation"
    label = "organisation"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from . import audit_vocabulary

        audit_vocabulary.register()  # a unit id reads as the unit's name on the audit page
        register_nav_entry(
            NavEntry(label="组织机构", url_name="organisation:unit_list", capability="units.view", order=90)
        )
