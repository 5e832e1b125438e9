from django.apps import AppConfig

from xinfang.core.navigation import NavEntry, register_nav_entry


class AccountsConfig(AppConfig):
    name = "xinfang.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        # 用户管理 and 角色分配 open the same page: a user holding both sees the first only
        register_nav_entry(
            NavEntry(label="用户管理", url_name="accounts:user_list", capability="users.manage", order=100)
        )
        register_nav_entry(
            NavEntry(label="角色分配", url_name="accounts:user_list", capability="roles.manage", order=110)
        )
        register_nav_entry(
            NavEntry(label="安全策略", url_name="accounts:policy", capability="security.manage", order=120)
        )
