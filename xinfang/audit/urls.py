from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list_view, name="entry_list"),
    path("export.csv", views.entry_export_view, name="entry_export"),
    path("archive/", views.archive_view, name="archive"),
]
