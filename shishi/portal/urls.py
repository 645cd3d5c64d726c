"""/public/: the portal (no login) and, under /public/manage/, the office's publication pages."""

from django.urls import path, register_converter

from shishi.portal import manage_views, views


class DivisionCodeConverter:
    """A six-digit division code (GB/T 2260)."""

    regex = r"\d{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(DivisionCodeConverter, "portal_division")

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("language/", views.language, name="language"),
    path("manage/", manage_views.manage_home, name="manage_home"),
    path("manage/<int:programme_id>/", manage_views.manage, name="manage"),
    path("manage/<int:programme_id>/publish/", manage_views.manage_bulk, name="manage_bulk"),
    path(
        "manage/<int:programme_id>/items/<int:item_id>/",
        manage_views.manage_item,
        name="manage_item",
    ),
    path(
        "manage/<int:programme_id>/items/<int:item_id>/public/",
        manage_views.item_public,
        name="item_public",
    ),
    path(
        "manage/<int:programme_id>/updates/<int:update_id>/public/",
        manage_views.update_public,
        name="update_public",
    ),
    path(
        "manage/<int:programme_id>/attachments/<int:attachment_id>/public/",
        manage_views.attachment_public,
        name="attachment_public",
    ),
    path("<portal_division:code>/<int:year>/", views.programme, name="programme"),
    path("<portal_division:code>/<int:year>/items.json", views.items_json, name="items_json"),
    path("<portal_division:code>/<int:year>/items.csv", views.items_csv, name="items_csv"),
    path("<portal_division:code>/<int:year>/items/<int:item_id>/", views.item, name="item"),
    path(
        "<portal_division:code>/<int:year>/photos/<int:attachment_id>/",
        views.photo,
        name="photo",
    ),
    path("<portal_division:code>/briefings/", views.briefings, name="briefings"),
    path("<portal_division:code>/briefings/<int:number>/", views.briefing, name="briefing"),
    path(
        "<portal_division:code>/briefings/<int:number>/photos/<int:photo_id>/",
        views.briefing_photo,
        name="briefing_photo",
    ),
]
