"""Roles (角色) a user can hold. Kept apart from models so that permissions can import it freely."""

from django.db import models


class Role(models.TextChoices):
    CLERK = "clerk", "接访员"
    HANDLER = "handler", "承办人"
    LEADER = "leader", "分管领导"
    PRINCIPAL = "principal", "主要领导"
    SUPERVISOR = "supervisor", "督办员"
    MEDIATOR = "mediator", "调解员"
    INFORMANT = "informant", "信息员"
    DUTY = "duty", "值班员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(Role) - ADMIN_ROLES
