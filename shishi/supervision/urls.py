from django.urls import path

from shishi.supervision import document_views, views

app_name = "supervision"

urlpatterns = [
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("instructions/<int:pk>/", views.instruction, name="instruction"),
    # documents
    path("rounds/<int:pk>/problems.xlsx", document_views.problem_list, name="problem_list"),
    path("rounds/<int:pk>/notice/<int:unit_pk>.docx", document_views.notice, name="notice"),
    path("rounds/<int:pk>/summary.docx", document_views.summary, name="summary"),
]
