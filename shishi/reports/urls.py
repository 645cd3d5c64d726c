from django.urls import path

from shishi.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle, name="cycle"),
    path("cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("periods/<int:pk>/", views.period, name="period"),
    path("periods/<int:pk>/report/", views.report, name="report"),
    path("versions/<int:pk>/<str:kind>/", views.report_file, name="report_file"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("submissions/<int:pk>/return/", views.return_submission, name="return"),
    path("submissions/<int:pk>/chase/", views.chase_submission, name="chase"),
    path("periods/<int:pk>/chase/", views.chase_period, name="chase_period"),
    path("briefings/", views.briefings, name="briefings"),
    path("briefings/<int:pk>/", views.briefing, name="briefing"),
    path("briefings/<int:pk>/docx/", views.briefing_docx, name="briefing_docx"),
    path("briefings/<int:pk>/photos/<int:photo_pk>/", views.briefing_photo, name="briefing_photo"),
    path("periods/<int:pk>/circular/", views.circular, name="circular"),
    path("circular-versions/<int:pk>/<str:kind>/", views.circular_file, name="circular_file"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/programme/<int:pk>/add/", views.indicator_add, name="indicator_add"),
    path("indicators/programme/<int:pk>/panel/", views.indicator_panel, name="indicator_panel"),
    path("indicators/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
]
