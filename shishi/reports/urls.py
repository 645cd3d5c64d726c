from django.urls import path

from shishi.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/<int:pk>/", views.cycle, name="cycle"),
    path("periods/<int:pk>/", views.period, name="period"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("submissions/<int:pk>/return/", views.return_submission, name="return"),
    path("submissions/<int:pk>/chase/", views.chase_submission, name="chase"),
    path("periods/<int:pk>/chase/", views.chase_period, name="chase_period"),
]
