"""Helpers that put a service's field errors back on the Django form that collected the input."""

from django import forms

from .exceptions import ApplicationError


def apply_service_errors(form: forms.Form, error: ApplicationError) -> None:
    placed = False
    for field, message in error.extra.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class BootstrapFormMixin:
    """Adds Bootstrap classes to every widget so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
