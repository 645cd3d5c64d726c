from django.urls import path

from shishi.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/<int:pk>/", views.cycle, name="cycle"),
    path("periods/<int:pk>/", views.period, name="period"),
    path("periods/<int:pk>/report/", views.report, name="report"),
    path("versions/<int:pk>/<str:kind>/", views.report_file, name="report_file"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("submissions/<int:pk>/return/", views.return_submission, name="return"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/programme/<int:pk>/add/", views.indicator_add, name="indicator_add"),
    path("indicators/programme/<int:pk>/panel/", views.indicator_panel, name="indicator_panel"),
    path("indicators/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
]
