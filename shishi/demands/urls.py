from django.urls import path

from shishi.demands import views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
]

# public intake
from shishi.demands import operator_views  # noqa: E402

urlpatterns += [
    path("new/", operator_views.operator_new, name="operator_new"),
]
