"""The upload form of the template administration page; the file's checks live in the service."""

from django import forms

from xinfang.core.forms import BootstrapFormMixin


class TemplateUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="模板文件（.docx）",
        error_messages={"required": "请选择要上传的 .docx 模板文件。", "empty": "上传的是空文件。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
    )
