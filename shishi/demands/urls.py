from django.urls import path

from shishi.demands import views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
]
