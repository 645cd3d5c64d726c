from django.urls import path

from shishi.ledger import (
    carry_views,
    change_views,
    import_views,
    plan_views,
    review_views,
    views,
)

app_name = "ledger"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("export/", views.export, name="export"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/history/", views.item_history_view, name="item_history"),
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
    path(
        "items/<int:pk>/change-request/",
        change_views.change_request_form,
        name="change_request",
    ),
    path("change-requests/", change_views.change_request_queue, name="change_requests"),
    path("change-requests/<int:pk>/approve/", change_views.approve, name="change_approve"),
    path("change-requests/<int:pk>/reject/", change_views.reject, name="change_reject"),
    path("change-requests/<int:pk>/withdraw/", change_views.withdraw, name="change_withdraw"),
    path(
        "change-requests/<int:pk>/files/<int:file_pk>/",
        change_views.change_file,
        name="change_file",
    ),
    path("programmes/<int:programme_pk>/items/new/", plan_views.item_new, name="item_new"),
    path("items/<int:pk>/targets/", plan_views.target_add, name="target_add"),
    path("items/<int:pk>/targets/<int:target_pk>/", plan_views.target_edit, name="target_edit"),
    path(
        "items/<int:pk>/targets/<int:target_pk>/move/", plan_views.target_move, name="target_move"
    ),
    path(
        "items/<int:pk>/targets/<int:target_pk>/remove/",
        plan_views.target_remove,
        name="target_remove",
    ),
    path("items/<int:pk>/milestones/", plan_views.milestone_add, name="milestone_add"),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/",
        plan_views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/move/",
        plan_views.milestone_move,
        name="milestone_move",
    ),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/remove/",
        plan_views.milestone_remove,
        name="milestone_remove",
    ),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/complete/",
        plan_views.milestone_complete,
        name="milestone_complete",
    ),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/undo/",
        plan_views.milestone_undo,
        name="milestone_undo",
    ),
    path("review/", review_views.review_queue, name="review"),
    path("review/publish/", review_views.review_publish, name="review_publish"),
    path("review/<int:pk>/reject/", review_views.review_reject, name="review_reject"),
    path(
        "programmes/<int:pk>/review-settings/",
        review_views.review_settings,
        name="review_settings",
    ),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:batch_id>/", import_views.import_preview, name="import_preview"),
    path("import/<int:batch_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/<int:batch_id>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:batch_id>/cancel/", import_views.import_cancel, name="import_cancel"),
]
