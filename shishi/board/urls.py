from django.urls import path

from shishi.board import views

app_name = "board"
urlpatterns = [
    path("", views.home, name="home"),
    path("programme/<int:pk>/", views.programme_board, name="programme"),
    path("programme/<int:pk>/items/", views.items, name="items"),
    path("programme/<int:pk>/wall/", views.wall, name="wall"),
    path("programme/<int:pk>/print/", views.print_board, name="print"),
    path("programme/<int:pk>/data.json", views.data_json, name="data"),
    path("programme/<int:pk>/export.xlsx", views.export_xlsx, name="export"),
    path("programme/<int:pk>/circular.xlsx", views.circular_export, name="circular_export"),
    path("programme/<int:pk>/thresholds/", views.thresholds, name="thresholds"),
    path("city/<str:code>/", views.city, name="city"),
]
