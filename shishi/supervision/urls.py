from django.urls import path

from shishi.supervision import views

app_name = "supervision"

urlpatterns = [
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("instructions/<int:pk>/", views.instruction, name="instruction"),
]

# visits
from shishi.supervision import visit_views  # noqa: E402

urlpatterns += [
    path("visits/", visit_views.my_visits, name="my_visits"),
    path("plans/<int:plan_pk>/visit/", visit_views.visit_new_planned, name="visit_new"),
    path(
        "rounds/<int:round_pk>/visit/",
        visit_views.visit_new_unplanned,
        name="visit_new_unplanned",
    ),
    path("visits/<int:pk>/", visit_views.visit, name="visit"),
    path("visits/<int:pk>/edit/", visit_views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/photos/<int:photo_pk>/", visit_views.visit_photo, name="visit_photo"),
]
