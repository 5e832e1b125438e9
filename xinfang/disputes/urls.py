from django.urls import path

from . import views

app_name = "disputes"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("new/", views.new_view, name="new"),
    path("stats/", views.stats_view, name="stats"),
    path("stats/export.xlsx", views.stats_export_view, name="stats_export"),
    path("settings/", views.settings_view, name="settings"),
    path("from-petition/<int:petition_id>/", views.from_petition_view, name="from_petition"),
    path("from-sign/<int:report_id>/", views.from_sign_view, name="from_sign"),
    path("<int:dispute_id>/", views.detail_view, name="detail"),
    path("<int:dispute_id>/act/<str:action>/", views.act_view, name="act"),
    path("<int:dispute_id>/to-petition/", views.to_petition_view, name="to_petition"),
    path("<int:dispute_id>/to-incident/", views.to_incident_view, name="to_incident"),
]
