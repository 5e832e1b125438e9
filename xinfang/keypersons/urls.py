from django.urls import path

from . import views

app_name = "keypersons"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.new_view, name="new"),
    path("<int:person_id>/", views.detail_view, name="detail"),
    path("<int:person_id>/act/<str:action>/", views.act_view, name="act"),
    path("groups/", views.groups_view, name="groups"),
]
