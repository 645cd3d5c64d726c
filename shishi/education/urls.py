"""Pages of party-history study, red landmarks and publicity for staff (``/education/``).
Each part keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.education import views

app_name = "education"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]

# study (part C): study activities (五学) and the 十百千万 campaign
from shishi.education import study_views  # noqa: E402

urlpatterns += [
    path("study/", study_views.study_list, name="study_list"),
    path("study/mine/", study_views.study_mine, name="study_mine"),
    path("study/new/", study_views.study_new, name="study_new"),
    path("study/review/", study_views.study_review, name="study_review"),
    path("study/review/approve", study_views.study_approve_many, name="study_approve_many"),
    path("study/export.<str:fmt>", study_views.study_export, name="study_export"),
    path("study/<int:pk>/", study_views.study_activity, name="study_activity"),
    path("study/<int:pk>/edit/", study_views.study_edit, name="study_edit"),
    path("study/<int:pk>/approve", study_views.study_approve, name="study_approve"),
    path("study/<int:pk>/return", study_views.study_return, name="study_return"),
    path("study/photos/<int:pk>", study_views.study_photo, name="study_photo"),
    path("campaign/", study_views.campaign_page, name="campaign"),
    path("campaign/target", study_views.campaign_target, name="campaign_target"),
    path("campaign/activities/", study_views.campaign_activities, name="campaign_activities"),
]
