from django.urls import path

from shishi.demands import views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
]

# rates
from shishi.demands import stats_views  # noqa: E402

urlpatterns += [
    path("stats/", stats_views.stats, name="stats"),
    path("stats/export.xlsx", stats_views.stats_export, name="stats_export"),
]
