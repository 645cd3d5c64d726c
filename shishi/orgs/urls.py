"""/account/: the user's own password and the office's accounts."""

from django.urls import path

from shishi.orgs import views

app_name = "orgs"
urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("users/", views.accounts, name="accounts"),
    path("users/<int:user_id>/reset/", views.reset_password, name="reset_password"),
]
