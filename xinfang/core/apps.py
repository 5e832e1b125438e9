from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinfang.core"
    label = "core"
    verbose_name = "平台基础"
