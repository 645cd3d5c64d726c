from django.urls import path

from shishi.ledger import carry_views, views

app_name = "ledger"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("export/", views.export, name="export"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/progress/", views.progress, name="progress"),
    path("items/<int:pk>/edit/", views.edit, name="edit"),
    path("items/<int:pk>/close-out/", views.close_out, name="close_out"),
    path("items/<int:pk>/reopen/", views.reopen, name="reopen"),
    path(
        "items/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("programmes/<int:pk>/carry/", carry_views.carry_select, name="carry"),
    path("programmes/<int:pk>/carry/confirm/", carry_views.carry_confirm, name="carry_confirm"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:batch_id>/", views.import_preview, name="import_preview"),
    path("import/<int:batch_id>/confirm/", views.import_confirm, name="import_confirm"),
]
