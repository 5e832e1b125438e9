from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.disputes"
    verbose_name = "矛盾纠纷调处"

    def ready(self) -> None:
        from xinfang.petitions.hooks import register_petition_links

        from . import audit_vocabulary, clocks, forms
        from .machine import register_machine

        register_machine()  # the dispute machine and the 调解协议书
        clocks.register()  # 司法确认申请期, 回访
        audit_vocabulary.register()
        register_petition_links(forms.petition_notes)  # 访调对接 on a petition's page
        register_nav_entry(
            NavEntry(label="矛盾纠纷", url_name="disputes:home", capability="disputes.view", order=39)
        )
        # the installation's dispute rules, for the system administrator
        register_nav_entry(
            NavEntry(label="调处设置", url_name="disputes:settings", capability="rules.manage", order=77)
        )
