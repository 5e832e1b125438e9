from django import forms

from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import Unit

from .roles import Role


class LoginForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        help_text="至少 8 位，且包含大写字母、小写字母、数字、特殊字符中的至少三类；不能是常见密码，也不能与用户名、姓名相似。",
    )
    new_password_again = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "两次输入的新密码不一致。")
        return data


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.code}）"


class UserForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = UnitChoiceField(label="所属单位", queryset=Unit.objects.none())
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        required=False,
        help_text="用户首次登录时须修改密码。",
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, units=None, editing: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()  # type: ignore[attr-defined]
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class ResetPasswordForm(BootstrapFormMixin, forms.Form):
    new_password = forms.CharField(label="临时密码", widget=forms.PasswordInput)


class PolicyForm(BootstrapFormMixin, forms.Form):
    max_failures = forms.IntegerField(label="连续登录失败次数上限", help_text="达到后锁定账号（3–10 次）。")
    lock_minutes = forms.IntegerField(label="锁定时长（分钟）", help_text="5–1440 分钟。")
    idle_minutes = forms.IntegerField(label="无操作自动退出（分钟）", help_text="5–30 分钟。")
