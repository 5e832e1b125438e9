from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("", views.unit_list_view, name="unit_list"),
    path("types/", views.unit_types_view, name="unit_types"),
    path("<int:unit_id>/", views.unit_detail_view, name="unit_detail"),
    path("<int:unit_id>/edit/", views.unit_edit_view, name="unit_edit"),
    path("<int:parent_id>/new/", views.unit_create_view, name="unit_create"),
]
