"""The kinds of dispute every installation starts with (the registers of seed 003 and the common
人民调解 statistics), and the settings row with 篇五's chain."""

from django.db import migrations

KINDS = (
    ("marriage", "婚姻家庭纠纷", "civil"),
    ("neighbour", "邻里纠纷", "civil"),
    ("land_contract", "土地承包经营纠纷", "civil"),
    ("land_acquisition", "征地拆迁纠纷", "civil"),
    ("labour", "劳动争议（劳资纠纷）", "civil"),
    ("forest", "山林权属纠纷", "civil"),
    ("damages", "损害赔偿纠纷", "civil"),
    ("contract", "合同纠纷", "civil"),
    ("village_affairs", "村务管理纠纷", "civil"),
    ("environment", "环境污染纠纷", "civil"),
    ("medical", "医疗纠纷", "civil"),
    ("public_order", "治安、刑事案件", "public_order"),
    ("other", "其他纠纷", "civil"),
)
CHAIN = ["村综治主任", "村主要领导", "驻村干部", "驻村第一书记", "分管第一责任人", "相关单位责任人", "镇主要领导"]


def forwards(apps, schema_editor):
    kind = apps.get_model("disputes", "DisputeKind")
    for order, (code, name, nature) in enumerate(KINDS, start=1):
        kind.objects.get_or_create(code=code, defaults={"name": name, "nature": nature, "order": order})
    apps.get_model("disputes", "DisputeSetting").objects.get_or_create(pk=1, defaults={"chain": CHAIN})


def backwards(apps, schema_editor):
    apps.get_model("disputes", "DisputeKind").objects.filter(code__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
