from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("board/", views.board_partial_view, name="board_partial"),
    path("closed/", views.closed_view, name="closed"),
    path("new/", views.new_view, name="new"),
    path("<int:incident_id>/", views.detail_view, name="detail"),
    path("<int:incident_id>/act/<str:action>/", views.act_view, name="act"),
    path("<int:incident_id>/evidence/", views.evidence_upload_view, name="evidence_upload"),
    path(
        "<int:incident_id>/evidence/<int:evidence_id>/",
        views.evidence_download_view,
        name="evidence_download",
    ),
    path("plans/", views.plans_view, name="plans"),
    path("plans/new/", views.plan_edit_view, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_edit_view, name="plan_edit"),
    path("levels/", views.levels_view, name="levels"),
]
