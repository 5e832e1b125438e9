"""Users, their roles and their API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from .roles import Role


class User(AbstractUser):
    """A person who signs in. Belongs to one unit; holds one or more roles through `RoleAssignment`."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    must_change_password = models.BooleanField("首次登录须改密码", default=False)
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # set once a petition names this user as the person it complains about (被反映人): only then
    # does the petition scope add the (unindexed) test that hides those petitions from them
    named_in_complaints = models.BooleanField(default=False, editable=False)

    objects = UserManager()  # type: ignore[misc]  # django-stubs: AbstractUser declares it a ClassVar
    # the token a request was authenticated with (bearer auth), set on the request's user
    api_token: "ApiToken"

    class Meta:
        verbose_name = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """Cached per instance: one query per request, whatever the number of checks."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def role_labels(self) -> list[str]:
        return [Role(code).label for code in sorted(self.role_codes)]


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the plain token is shown once when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class SecurityPolicy(models.Model):
    """The installation's sign-in policy, one row, edited by the security administrator (安全管理员)."""

    max_failures = models.PositiveSmallIntegerField("连续失败次数上限", default=5)
    lock_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=15)
    idle_minutes = models.PositiveSmallIntegerField("无操作自动退出（分钟）", default=30)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "安全策略"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_failures__gte=3, max_failures__lte=10), name="policy_failures"
            ),
            models.CheckConstraint(
                condition=models.Q(lock_minutes__gte=5, lock_minutes__lte=1440), name="policy_lock"
            ),
            models.CheckConstraint(
                condition=models.Q(idle_minutes__gte=5, idle_minutes__lte=30), name="policy_idle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.max_failures} 次 / {self.lock_minutes} 分钟 / {self.idle_minutes} 分钟"
