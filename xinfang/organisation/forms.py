from django import forms

from xinfang.core.forms import BootstrapFormMixin

from .models import UnitType


class UnitForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    code = forms.CharField(
        label="单位代码", max_length=30, help_text="2 到 30 位字母或数字，全系统唯一，用于信访件编号。"
    )
    unit_type = forms.ChoiceField(label="单位类型", choices=UnitType.choices)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
