from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation and accounts (`manage.py load_demo`): above every app, so it may
    create what each of them owns through their services."""

    name = "xinfang.demo"
    label = "demo"
    verbose_name = "演示数据"
