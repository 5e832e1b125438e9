from django.urls import path

from . import export_views, views

app_name = "duty"
urlpatterns = [
    path("", views.home, name="home"),
    path("rosters/<int:roster_id>/", views.roster, name="roster"),
    path("shifts/<int:shift_id>/", views.shift, name="shift"),
    path("slots/", views.slots_save, name="slots"),
    path("rosters/generate/", views.roster_generate, name="generate"),
    path("rosters/<int:roster_id>/publish/", views.roster_publish, name="publish"),
    path("rosters/<int:roster_id>/shifts/", views.shift_add, name="shift_add"),
    path("shifts/<int:shift_id>/actions/<str:action>/", views.shift_action, name="shift_action"),
    path("log/<int:entry_id>/register/", views.entry_register, name="entry_register"),
    path("display/", views.display, name="display"),
    path("display/board/", views.display_board, name="display_board"),
    path("rosters/<int:roster_id>/export.xlsx", export_views.roster_xlsx, name="roster_xlsx"),
    path("rosters/<int:roster_id>/export.docx", export_views.roster_docx, name="roster_docx"),
    path("shifts/<int:shift_id>/record.docx", export_views.shift_record, name="shift_record"),
    path("shifts/<int:shift_id>/handover.docx", export_views.handover_docx, name="handover_docx"),
]
