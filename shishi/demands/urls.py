from django.urls import path

from shishi.demands import views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
]

# staff
urlpatterns += [
    path("", views.index, name="index"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("categories/", views.categories, name="categories"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
]
