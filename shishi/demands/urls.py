from django.urls import path

from shishi.demands import hotline_views, views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
]

# 12345 hotline
urlpatterns += [
    path("hotline/<str:code>/", hotline_views.webhook, name="hotline_webhook"),
]
