from django.urls import path

from shishi.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.item_list, name="list"),
]
