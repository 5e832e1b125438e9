from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class OrganisationConfig(AppConfig):
    name = "xinfang.organisation"
    label = "organisation"
    verbose_name = "组织机构"

    def ready(self) -> None:
        register_nav_entry(
            NavEntry(label="组织机构", url_name="organisation:unit_list", capability="units.view", order=90)
        )
