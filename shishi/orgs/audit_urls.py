"""URLs of the audit administrator's pages (``/audit/``)."""

from django.urls import URLPattern, URLResolver, path

from shishi.orgs import audit_views

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", audit_views.log, name="log"),
    path("export.csv", audit_views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", audit_views.export, {"fmt": "xlsx"}, name="export_xlsx"),
]
