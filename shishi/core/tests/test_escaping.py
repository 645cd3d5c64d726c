"""Hostile text shows as text: an item name, a unit name, a progress text and an attachment's
file name holding markup are escaped on every page that shows them, and the exports hold
them as plain text cells (never formulas)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from shishi.conftest import World
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item
from shishi.orgs import services as org_services
from shishi.orgs.models import User
from shishi.portal import services as portal_services
from shishi.portal.tests.conftest import png_upload

HOSTILE = ["<img src=x onerror=alert(1)>", '"><script>']


@dataclasses.dataclass
class Hostile:
    world: World
    item: Item
    name: str  # the item's name
    unit: str  # its lead unit's name
    text: str  # its latest progress text
    file: str  # the file name of the update's photo

    def shown(self, *fields: str) -> list[str]:
        return [getattr(self, f) for f in fields]


@pytest.fixture(params=HOSTILE, ids=["img-onerror", "quote-script"])
def hostile(world: World, request: Any, settings: Any, tmp_path: Any) -> Hostile:
    settings.MEDIA_ROOT = tmp_path / "media"
    markup = request.param
    office = world.office
    unit = org_services.ensure_unit(world.nangang, f"单位{markup}", kind="bureau")
    item = ledger_services.create_item(
        world.programme,
        actor=office,
        number="1-3",
        seq=3,
        name=f"项目{markup}",
        category=world.item_a.category,
        lead_unit=unit,
        partner_units=[world.unit_a],  # so it is among unit A's editor's items ("mine")
        sponsor_leaders=[world.leader_person],
        deadline_text="2021年6月30日前",  # long overdue: red on every board
    )
    text, file = f"进展{markup}", f"照片{markup}.png"
    update = ledger_services.record_progress(
        item,
        actor=office,
        text=text,
        rate=Decimal(20),
        reported_on=dt.date(2021, 5, 1),
        attachments=[png_upload(file)],
    )
    photo = Attachment.objects.get(update=update)
    item = Item.objects.get(pk=item.pk)
    portal_services.set_item_public(item, True, actor=office)
    portal_services.set_update_public(update, True, actor=office, attachments=[photo])
    return Hostile(world, Item.objects.get(pk=item.pk), item.name, unit.name, text, file)


def _get(user: User | None, url: str) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _assert_text_only(body: str, markup: str, shown: list[str], url: str) -> None:
    assert markup not in body, f"{url}: {markup!r} reached the page as markup"
    for value in shown:
        assert escape(value) in body, f"{url}: {value!r} is not shown (escaped)"


def _markup(h: Hostile) -> str:
    return h.name.removeprefix("项目")


def test_ledger_pages_show_hostile_text_as_text(hostile: Hostile) -> None:
    w, h = hostile.world, hostile
    pages = [
        (w.office, reverse("ledger:list") + f"?programme={w.programme.pk}", ("name", "unit")),
        (w.office, reverse("ledger:item", args=[h.item.pk]), ("name", "unit", "text", "file")),
        (w.editor_a, reverse("ledger:mine"), ("name", "unit")),
    ]
    for user, url, fields in pages:
        _assert_text_only(_get(user, url), _markup(h), h.shown(*fields), url)


def test_board_pages_show_hostile_text_as_text(hostile: Hostile) -> None:
    w, h = hostile.world, hostile
    pk = w.programme.pk
    unit_id = h.item.lead_unit_id
    board = reverse("board:programme", args=[pk])
    pages = [
        (board, ("name", "unit")),  # the red list and the unit ranking
        (f"{board}?unit={unit_id}", ("name", "unit")),
        (f"{board}?leader={w.leader_person.pk}", ("name",)),
        (reverse("board:items", args=[pk]), ("name", "unit")),
        (reverse("board:wall", args=[pk]), ("name", "unit")),
        (reverse("board:print", args=[pk]), ("name", "unit")),
    ]
    for url, fields in pages:
        _assert_text_only(_get(w.office, url), _markup(h), h.shown(*fields), url)
    city = reverse("board:city", args=[w.city.code]) + "?year=2021"  # districts, no items
    _assert_text_only(_get(w.city_office, city), _markup(h), [], city)


def test_portal_pages_show_hostile_text_as_text(hostile: Hostile) -> None:
    w, h = hostile.world, hostile
    code, year, pk = w.nangang.code, w.programme.year, w.programme.pk
    public = [
        (reverse("portal:index"), ()),
        (reverse("portal:programme", args=[code, year]), ("name", "unit", "text")),
        (reverse("portal:item", args=[code, year, h.item.pk]), ("name", "unit", "text")),
    ]
    for url, fields in public:
        _assert_text_only(_get(None, url), _markup(h), h.shown(*fields), url)
    manage = [
        (reverse("portal:manage", args=[pk]), ("name", "unit")),
        (reverse("portal:manage_item", args=[pk, h.item.pk]), ("name", "unit", "text", "file")),
    ]
    for url, fields in manage:
        _assert_text_only(_get(w.office, url), _markup(h), h.shown(*fields), url)


def _cells(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize(
    ("view", "fields"),
    [("ledger", ("name", "unit", "text")), ("board", ("name", "unit"))],
)
def test_exports_hold_hostile_text_as_text_cells(
    hostile: Hostile, view: str, fields: tuple[str, ...]
) -> None:
    w, h = hostile.world, hostile
    client = Client()
    client.force_login(w.office)
    if view == "ledger":
        url = reverse("ledger:export") + f"?programme={w.programme.pk}"
    else:
        url = reverse("board:export", args=[w.programme.pk])
    response = client.get(url)
    assert response.status_code == 200
    cells = _cells(response.getvalue())  # a file response (ledger export) streams
    assert not any(c.data_type == "f" for c in cells)  # no formula anywhere
    for value in h.shown(*fields):
        matching = [c for c in cells if c.value == value]
        assert matching, f"{view} export: {value!r} is not in a cell as it was written"
        assert all(c.data_type == "s" for c in matching)


def test_accounts_page_shows_hostile_names_as_text(hostile: Hostile) -> None:
    w, markup = hostile.world, _markup(hostile)
    account = org_services.ensure_user(f"u{len(markup)}", display_name=f"姓名{markup}")
    unit = org_services.ensure_unit(w.nangang, hostile.unit)  # the hostile unit, found again
    org_services.grant_role(account, "unit_editor", w.nangang, unit=unit)
    url = reverse("orgs:accounts")
    body = _get(w.office, url)
    _assert_text_only(body, markup, [f"姓名{markup}", hostile.unit], url)
