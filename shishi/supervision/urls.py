from django.urls import path

from shishi.supervision import recheck_views, views

app_name = "supervision"

urlpatterns = [
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("instructions/<int:pk>/", views.instruction, name="instruction"),
    # cards
    path("rounds/<int:pk>/rechecks/", recheck_views.rechecks, name="rechecks"),
    path("rounds/<int:pk>/rechecks/<int:finding_pk>/", recheck_views.recheck, name="recheck"),
]
