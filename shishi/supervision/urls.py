from django.urls import path

from shishi.supervision import document_views, recheck_views, views, visit_views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_view, name="round"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/plan/", views.round_plan, name="round_plan"),
    path("rounds/<int:pk>/units/", views.round_units, name="round_units"),
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path("rectification-files/<int:pk>/", views.rectification_file, name="rectification_file"),
    path("instructions/", views.instruction_list, name="instructions"),
    path("instructions/new/", views.instruction_new, name="instruction_new"),
    path("instructions/<int:pk>/", views.instruction, name="instruction"),
    path("instructions/<int:pk>/answer/", views.instruction_answer, name="instruction_answer"),
    path(
        "instructions/<int:pk>/follow-up/",
        views.instruction_follow_up,
        name="instruction_follow_up",
    ),
    path("instructions/<int:pk>/scan/", views.instruction_scan, name="instruction_scan"),
    path("step-files/<int:pk>/", views.step_file, name="step_file"),
    # visits
    path("visits/", visit_views.my_visits, name="my_visits"),
    path("plans/<int:plan_pk>/visit/", visit_views.visit_new_planned, name="visit_new"),
    path(
        "rounds/<int:round_pk>/visit/",
        visit_views.visit_new_unplanned,
        name="visit_new_unplanned",
    ),
    path("visits/<int:pk>/", visit_views.visit, name="visit"),
    path("visits/<int:pk>/edit/", visit_views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/photos/<int:photo_pk>/", visit_views.visit_photo, name="visit_photo"),
    # re-inspection (回头看)
    path("rounds/<int:pk>/rechecks/", recheck_views.rechecks, name="rechecks"),
    path("rounds/<int:pk>/rechecks/<int:finding_pk>/", recheck_views.recheck, name="recheck"),
    # documents
    path("rounds/<int:pk>/problems.xlsx", document_views.problem_list, name="problem_list"),
    path("rounds/<int:pk>/notice/<int:unit_pk>.docx", document_views.notice, name="notice"),
    path("rounds/<int:pk>/summary.docx", document_views.summary, name="summary"),
]
