from django.urls import path

from . import views

app_name = "inforeports"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("new/", views.new_view, name="new"),
    path("<int:report_id>/", views.detail_view, name="detail"),
    path("<int:report_id>/act/<str:action>/", views.act_view, name="act"),
    path("<int:report_id>/petition/", views.to_petition_view, name="to_petition"),
    path("completeness/", views.completeness_view, name="completeness"),
    path("completeness/export.xlsx", views.completeness_xlsx_view, name="completeness_xlsx"),
    path("schedule/", views.schedule_view, name="schedule"),
]
