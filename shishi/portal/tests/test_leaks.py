"""Nothing internal leaks: every public page, the JSON and the CSV are checked for every
marker of a non-public field, and the open data has exactly the documented fields."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from shishi.portal.opendata import DOCUMENT_KEYS, FIELD_NAMES
from shishi.portal.tests.conftest import MARKERS, PUBLIC_DATE, PUBLIC_TEXT, Published


def _public_urls(p: Published) -> list[str]:
    code, year = p.code, p.year
    programme = reverse("portal:programme", args=[code, year])
    return [
        reverse("portal:index"),
        programme,
        f"{programme}?q=一曼街",
        f"{programme}?category={p.item.category_id}",
        reverse("portal:item", args=[code, year, p.item.pk]),
        reverse("portal:items_json", args=[code, year]),
        reverse("portal:items_csv", args=[code, year]),
        reverse("portal:photo", args=[code, year, p.public_photo.pk]),
    ]


@pytest.mark.parametrize("marker", sorted(MARKERS))
def test_no_marker_reaches_any_public_response(published: Published, marker: str) -> None:
    client = Client()
    needle = MARKERS[marker]
    for url in _public_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content
        assert needle.encode() not in body, f"{marker} leaks on {url}"


def test_public_pages_show_the_public_fields(published: Published) -> None:
    client = Client()
    p = published
    page = client.get(reverse("portal:programme", args=[p.code, p.year])).content.decode()
    item_page = client.get(reverse("portal:item", args=[p.code, p.year, p.item.pk])).content
    for text in (p.item.name, "城建城管执法类", "区城管局", "2021年12月底前", PUBLIC_TEXT, "30%"):
        assert text in page
        assert text in item_page.decode()
    assert "2021年4月2日" in page  # the latest *public* update's date
    photo_url = reverse("portal:photo", args=[p.code, p.year, p.public_photo.pk])
    assert photo_url in page
    assert photo_url in item_page.decode()


def test_no_internal_url_or_user_on_public_pages(published: Published) -> None:
    p = published
    client = Client()
    client.force_login(p.author)  # a signed-in user's name is not on the page either
    for url in _public_urls(p)[:5]:
        body = client.get(url).content.decode()
        assert "/ledger/" not in body
        assert "csrfmiddlewaretoken" not in body
        assert MARKERS["author"] not in body


def test_private_photo_name_and_metadata_do_not_leave(published: Published) -> None:
    p = published
    response = Client().get(reverse("portal:photo", args=[p.code, p.year, p.public_photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert MARKERS["photo_filename"] not in response["Content-Disposition"]
    assert response["Content-Disposition"] == f'inline; filename="photo-{p.public_photo.pk}.png"'
    assert MARKERS["exif"].encode() not in response.content
    assert response.content.startswith(b"\x89PNG")


def test_json_has_exactly_the_documented_keys(published: Published) -> None:
    p = published
    response = Client().get(reverse("portal:items_json", args=[p.code, p.year]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert list(document) == list(DOCUMENT_KEYS)
    assert list(document["fields"]) == list(FIELD_NAMES)
    assert document["count"] == 1
    (record,) = document["items"]
    assert list(record) == list(FIELD_NAMES)
    assert record["id"] == p.item.pk
    assert record["name"] == p.item.name
    assert record["category"] == "城建城管执法类"
    assert record["lead_unit"] == "区城管局"
    assert record["deadline"] == "2021年12月底前"
    assert record["due_date"] == "2021-12-31"
    assert record["status"] == "in_progress"
    assert record["status_label"] == "推进中"
    assert record["completion_rate"] == 30.0  # the published rate, not the pending 55
    assert record["latest_progress"] == PUBLIC_TEXT
    assert record["latest_progress_date"] == PUBLIC_DATE.isoformat()
    photo = reverse("portal:photo", args=[p.code, p.year, p.public_photo.pk])
    assert record["photos"] == [f"http://testserver{photo}"]
    item_url = reverse("portal:item", args=[p.code, p.year, p.item.pk])
    assert record["url"] == f"http://testserver{item_url}"


def test_csv_has_bom_header_and_the_same_fields(published: Published) -> None:
    p = published
    response = Client().get(reverse("portal:items_csv", args=[p.code, p.year]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="shishi-{p.code}-{p.year}-items.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(FIELD_NAMES)
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == p.item.name
    assert record["completion_rate"] == "30"
    assert record["latest_progress"] == PUBLIC_TEXT
    assert record["photos"].endswith(
        reverse("portal:photo", args=[p.code, p.year, p.public_photo.pk])
    )


def test_unpublished_item_is_absent_everywhere(published: Published) -> None:
    p = published
    client = Client()
    for url in _public_urls(p)[:7]:
        assert MARKERS["unpublished_item"] not in client.get(url).content.decode()
    item_url = reverse("portal:item", args=[p.code, p.year, p.unpublished.pk])
    assert client.get(item_url).status_code == 404


def test_withdrawn_item_disappears(published: Published) -> None:
    from shishi.portal import services

    p = published
    services.set_item_public(p.item, False, actor=p.world.office)
    client = Client()
    assert client.get(reverse("portal:item", args=[p.code, p.year, p.item.pk])).status_code == 404
    photo = reverse("portal:photo", args=[p.code, p.year, p.public_photo.pk])
    assert client.get(photo).status_code == 404
    # No published item left in Nangang: the programme is not public any more.
    assert client.get(reverse("portal:programme", args=[p.code, p.year])).status_code == 404
    assert client.get(reverse("portal:items_json", args=[p.code, p.year])).status_code == 404
    assert "南岗区" not in client.get(reverse("portal:index")).content.decode()


def test_markers_are_planted_in_the_internal_pages(published: Published) -> None:
    """The leak checks above mean something: the office's own item page shows the markers."""
    p = published
    client = Client()
    client.force_login(p.world.office)
    body = client.get(reverse("ledger:item", args=[p.item.pk])).content.decode()
    internal = (
        "content", "measures", "remarks", "leader", "partner_unit", "target", "milestone",
        "private_update", "private_update_date_zh", "partner_note", "author", "photo_filename",
        "private_photo_filename", "investment",
    )  # fmt: skip
    for marker in internal:
        assert MARKERS[marker] in body, marker
    with p.public_photo.file.open("rb") as handle:
        assert MARKERS["exif"].encode() in handle.read()
    unpublished = client.get(reverse("ledger:item", args=[p.unpublished.pk])).content.decode()
    assert MARKERS["unpublished_item"] in unpublished
    assert MARKERS["unpublished_update"] in unpublished
