from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("export.xlsx", views.export_view, name="export"),
    path("bulletin/", views.bulletin_view, name="bulletin"),
    path("transfer-bulletin/", views.transfer_bulletin_view, name="transfer_bulletin"),
    path("analysis-report/", views.analysis_report_view, name="analysis_report"),
]
