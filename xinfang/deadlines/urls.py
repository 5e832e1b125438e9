from django.urls import path

from . import sensitive_views, views

app_name = "deadlines"

urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/save/", views.holiday_save, name="holiday_save"),
    path("holidays/remove/", views.holiday_remove, name="holiday_remove"),
    path("holidays/year/", views.holiday_year_mark, name="holiday_year_mark"),
    path("holidays/import/", views.holiday_import, name="holiday_import"),
    path("rules/", views.rules, name="rules"),
    path("rules/save/", views.rule_save, name="rule_save"),
    path("rules/clear/", views.rule_clear, name="rule_clear"),
    path("sensitive/", sensitive_views.sensitive, name="sensitive"),
    path("sensitive/save/", sensitive_views.sensitive_save, name="sensitive_save"),
    path("sensitive/delete/", sensitive_views.sensitive_delete, name="sensitive_delete"),
    path("sensitive/levels/", sensitive_views.sensitive_level_save, name="sensitive_level_save"),
]
