"""The office's publication pages, walked by each persona; toggles with and without htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item, ProgressUpdate
from shishi.portal.tests.conftest import Published

HTMX = {"HX-Request": "true"}


def _fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def _manage_urls(p: Published) -> list[str]:
    programme = p.world.programme
    return [
        reverse("portal:manage", args=[programme.pk]),
        reverse("portal:manage_item", args=[programme.pk, p.item.pk]),
    ]


@pytest.mark.parametrize("persona", ["office", "city_office"])
def test_office_opens_the_publication_pages(published: Published, persona: str) -> None:
    client = client_for(getattr(published.world, persona))
    for url in _manage_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(_manage_urls(published)[0]).content.decode()
    assert published.item.name in body
    assert published.unpublished.name in body  # the office sees unpublished items too


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("editor_a", 403),
        ("partner_editor", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("inspector", 403),
        ("operator", 403),
        ("outsider", 404),  # the office of another district does not even see this programme
        ("resident", 404),
    ],
)
def test_others_are_refused(published: Published, persona: str, status: int) -> None:
    client = client_for(getattr(published.world, persona))
    programme = published.world.programme
    for url in _manage_urls(published):
        assert client.get(url).status_code == status, url
    pk = programme.pk
    posts = [
        (
            reverse("portal:item_public", args=[pk, published.unpublished.pk]),
            {"public": "1"},
        ),
        (
            reverse("portal:manage_bulk", args=[pk]),
            {"action": "publish", "items": [published.unpublished.pk]},
        ),
        (
            reverse("portal:update_public", args=[pk, published.private_update.pk]),
            {"public": "1"},
        ),
        (
            reverse("portal:attachment_public", args=[pk, published.private_photo.pk]),
            {"public": "1"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == status, url
    assert not _fresh(published.unpublished).is_public
    assert not ProgressUpdate.objects.get(pk=published.private_update.pk).is_public
    assert not Attachment.objects.get(pk=published.private_photo.pk).is_public


def test_anonymous_is_sent_to_login(published: Published) -> None:
    client = client_for()
    for url in [reverse("portal:manage_home"), *_manage_urls(published)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_manage_home_goes_to_the_offices_programme(world: World) -> None:
    response = client_for(world.office).get(reverse("portal:manage_home"))
    assert response["Location"] == reverse("portal:manage", args=[world.programme.pk])
    hulan = client_for(world.outsider).get(reverse("portal:manage_home"))
    assert hulan["Location"] == reverse("portal:manage", args=[world.hulan_programme.pk])
    chosen = client_for(world.city_office).get(
        reverse("portal:manage_home") + f"?programme={world.hulan_programme.pk}"
    )
    assert chosen["Location"] == reverse("portal:manage", args=[world.hulan_programme.pk])
    assert client_for(world.editor_a).get(reverse("portal:manage_home")).status_code == 403


def test_office_cannot_manage_another_districts_programme(world: World) -> None:
    url = reverse("portal:manage", args=[world.hulan_programme.pk])
    assert client_for(world.office).get(url).status_code == 404
    item_url = reverse("portal:manage_item", args=[world.programme.pk, world.hulan_item.pk])
    assert client_for(world.office).get(item_url).status_code == 404


def test_bulk_publish_and_withdraw(world: World) -> None:
    client = client_for(world.office)
    url = reverse("portal:manage_bulk", args=[world.programme.pk])
    data = {
        "action": "publish",
        "items": [world.item_a.pk, world.item_b.pk],
        f"v{world.item_a.pk}": world.item_a.version,
        f"v{world.item_b.pk}": world.item_b.version,
        "state": "private",
        "q": "幼儿",
    }
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == (
        reverse("portal:manage", args=[world.programme.pk]) + "?q=%E5%B9%BC%E5%84%BF&state=private"
    )
    assert "已公开 2 项" in response.content.decode()
    assert _fresh(world.item_a).is_public and _fresh(world.item_b).is_public
    response = client.post(url, {"action": "unpublish", "items": [world.item_a.pk]}, follow=True)
    assert "已取消公开 1 项" in response.content.decode()
    assert not _fresh(world.item_a).is_public


def test_bulk_with_a_stale_item_is_refused_with_a_message(world: World) -> None:
    old = world.item_a.version
    ledger_services.update_item(world.item_a, actor=world.office, expected_version=old, name="新名")
    response = client_for(world.office).post(
        reverse("portal:manage_bulk", args=[world.programme.pk]),
        {
            "action": "publish",
            "items": [world.item_a.pk, world.item_b.pk],
            f"v{world.item_a.pk}": old,
        },
    )
    assert response.status_code == 409
    assert "已被修改" in response.content.decode()
    assert not _fresh(world.item_b).is_public  # all or nothing


@pytest.mark.parametrize(
    "data",
    [
        {"action": "publish"},
        {"action": "explode", "items": ["1"]},
        {"action": "publish", "items": ["abc"]},
        {"action": "publish", "items": ["999999"]},
    ],
)
def test_bad_bulk_requests_get_a_message_not_a_500(world: World, data: dict[str, object]) -> None:
    response = client_for(world.office).post(
        reverse("portal:manage_bulk", args=[world.programme.pk]), data
    )
    assert response.status_code in (404, 422)
    assert 'role="alert"' in response.content.decode()


def test_row_toggle_with_htmx_returns_the_row(world: World) -> None:
    client = client_for(world.office)
    url = reverse("portal:item_public", args=[world.programme.pk, world.item_a.pk])
    response = client.post(
        url, {"public": "1", f"v{world.item_a.pk}": world.item_a.version}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.content.decode().strip()
    assert body.startswith(f'<tr id="row-{world.item_a.pk}"')
    assert "已公开" in body
    assert _fresh(world.item_a).is_public


def test_row_toggle_without_js_redirects_back(world: World) -> None:
    client = client_for(world.office)
    url = reverse("portal:item_public", args=[world.programme.pk, world.item_a.pk])
    response = client.post(url, {"public": "1", "state": "private"})
    assert response.status_code == 302
    assert response["Location"].endswith("?state=private")
    assert _fresh(world.item_a).is_public


def test_stale_row_toggle_shows_the_message_in_the_row(world: World) -> None:
    old = world.item_a.version
    ledger_services.update_item(world.item_a, actor=world.office, expected_version=old, name="新名")
    client = client_for(world.office)
    url = reverse("portal:item_public", args=[world.programme.pk, world.item_a.pk])
    data = {"public": "1", f"v{world.item_a.pk}": old}
    fragment = client.post(url, data, headers=HTMX).content.decode()
    assert "row-error" in fragment
    assert "已被修改" in fragment
    assert "新名" in fragment  # the row comes back with the current values to review
    page = client.post(url, data)
    assert page.status_code == 409
    assert "已被修改" in page.content.decode()
    assert not _fresh(world.item_a).is_public


def test_item_page_toggle(published: Published) -> None:
    p = published
    client = client_for(p.world.office)
    url = reverse("portal:item_public", args=[p.world.programme.pk, p.unpublished.pk])
    response = client.post(
        url,
        {"public": "1", "back": "item", f"v{p.unpublished.pk}": _fresh(p.unpublished).version},
        headers=HTMX,
    )
    body = response.content.decode().strip()
    assert body.startswith('<section id="item-state"')
    assert reverse("portal:item", args=[p.code, p.year, p.unpublished.pk]) in body
    response = client.post(url, {"public": "0", "back": "item"})
    assert response["Location"] == reverse(
        "portal:manage_item", args=[p.world.programme.pk, p.unpublished.pk]
    )
    assert not _fresh(p.unpublished).is_public


def test_missing_public_flag_is_a_clear_error(world: World) -> None:
    url = reverse("portal:item_public", args=[world.programme.pk, world.item_a.pk])
    response = client_for(world.office).post(url, {})
    assert response.status_code == 422
    assert "公开状态" in response.content.decode()


def test_update_toggle_with_chosen_photos(published: Published) -> None:
    p = published
    client = client_for(p.world.office)
    url = reverse("portal:update_public", args=[p.world.programme.pk, p.private_update.pk])
    response = client.post(
        url, {"public": "1", "photos": [p.private_update_photo.pk]}, headers=HTMX
    )
    body = response.content.decode().strip()
    assert body.startswith(f'<li id="update-{p.private_update.pk}"')
    assert ProgressUpdate.objects.get(pk=p.private_update.pk).is_public
    response = client.post(url, {"public": "0"})
    assert response.status_code == 302
    assert not ProgressUpdate.objects.get(pk=p.private_update.pk).is_public


def test_update_toggle_refuses_photos_of_another_update(published: Published) -> None:
    p = published
    url = reverse("portal:update_public", args=[p.world.programme.pk, p.private_update.pk])
    response = client_for(p.world.office).post(url, {"public": "1", "photos": [p.private_photo.pk]})
    assert response.status_code == 422
    assert not ProgressUpdate.objects.get(pk=p.private_update.pk).is_public


def test_note_cannot_be_published_from_the_page(published: Published) -> None:
    p = published
    client = client_for(p.world.office)
    page = client.get(reverse("portal:manage_item", args=[p.world.programme.pk, p.item.pk]))
    assert "配合单位备注仅供内部参考，不能公开" in page.content.decode()
    assert (
        reverse("portal:update_public", args=[p.world.programme.pk, p.note.pk])
        not in page.content.decode()
    )
    url = reverse("portal:update_public", args=[p.world.programme.pk, p.note.pk])
    fragment = client.post(url, {"public": "1"}, headers=HTMX).content.decode()
    assert "不能公开" in fragment
    response = client.post(url, {"public": "1"})
    assert response.status_code == 422
    assert not ProgressUpdate.objects.get(pk=p.note.pk).is_public


def test_attachment_toggle(published: Published) -> None:
    p = published
    client = client_for(p.world.office)
    url = reverse("portal:attachment_public", args=[p.world.programme.pk, p.private_photo.pk])
    response = client.post(url, {"public": "1"}, headers=HTMX)
    assert response.content.decode().strip().startswith(f'<li id="update-{p.public_update.pk}"')
    assert Attachment.objects.get(pk=p.private_photo.pk).is_public
    pdf_url = reverse("portal:attachment_public", args=[p.world.programme.pk, p.pdf.pk])
    refused = client.post(pdf_url, {"public": "1"})
    assert refused.status_code == 422
    assert "只有照片" in refused.content.decode()


def test_gone_update_is_a_clear_404(published: Published) -> None:
    p = published
    url = reverse("portal:update_public", args=[p.world.programme.pk, 999999])
    response = client_for(p.world.office).post(url, {"public": "1"})
    assert response.status_code == 404
    assert "已不存在" in response.content.decode()


def test_item_page_lists_updates_and_photos_with_their_state(published: Published) -> None:
    p = published
    response = client_for(p.world.office).get(
        reverse("portal:manage_item", args=[p.world.programme.pk, p.item.pk])
    )
    rows = {row.update.pk: row for row in response.context["updates"]}
    assert set(rows) == {p.public_update.pk, p.private_update.pk, p.note.pk}
    assert [a.pk for a in rows[p.public_update.pk].photos_to_offer] == [p.private_photo.pk]
    assert response.context["public_updates"] == 1
    body = response.content.decode()
    assert reverse("portal:attachment_public", args=[p.world.programme.pk, p.pdf.pk]) not in body
