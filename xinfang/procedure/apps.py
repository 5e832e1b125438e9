from django.apps import AppConfig


class ProcedureConfig(AppConfig):
    name = "xinfang.procedure"
    label = "procedure"
    verbose_name = "办理程序"
