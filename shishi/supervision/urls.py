from django.urls import path

from shishi.supervision import views

app_name = "supervision"

urlpatterns = [
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("instructions/<int:pk>/", views.instruction, name="instruction"),
]
