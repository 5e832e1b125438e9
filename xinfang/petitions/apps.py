from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    label = "petitions"
    verbose_name = "信访事项"

    def ready(self) -> None:
        from . import notices, receivers  # noqa: F401 - receivers connects the signal receivers

        notices.register()  # its notices' kinds, and the petition as an owner of notices

        register_nav_entry(
            NavEntry(label="信访登记簿", url_name="petitions:register", capability="petitions.view", order=20)
        )
