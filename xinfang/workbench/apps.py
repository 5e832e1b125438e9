from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class WorkbenchConfig(AppConfig):
    """工作台: the home page, the work queues and to-do lists, gathering several apps (layer 6)."""

    name = "xinfang.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        register_nav_entry(NavEntry(label="工作台", url_name="workbench:home", order=10))
