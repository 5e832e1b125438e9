from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    label = "petitions"
    verbose_name = "信访事项"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers

        register_nav_entry(
            NavEntry(label="信访登记簿", url_name="petitions:register", capability="petitions.view", order=20)
        )
