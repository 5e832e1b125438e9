from django.urls import path

from . import views

app_name = "screenings"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("new/", views.new_view, name="new"),
    path("<int:round_id>/", views.detail_view, name="detail"),
    path("<int:round_id>/amend/", views.amend_view, name="amend"),
    path("completeness/", views.completeness_view, name="completeness"),
    path("completeness/export.xlsx", views.completeness_xlsx_view, name="completeness_xlsx"),
    path("special/", views.special_view, name="special"),
    path("special/<int:special_id>/", views.special_detail_view, name="special_detail"),
    path("schedule/", views.schedule_view, name="schedule"),
]
