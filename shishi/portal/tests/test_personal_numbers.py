"""Phone and ID numbers a writer left in a published progress text are masked in every
public output: the programme page, the item page, the JSON and the CSV (open data)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shishi.portal import services
from shishi.portal.tests.conftest import Published, _progress

PHONE = "13812345678"
ID = "11010519491231002X"
TEXT = f"居民王某（身份证{ID}，电话{PHONE}）家门前路面已修复"
MASKED = "居民王某（身份证1101**********002X，电话138****5678）家门前路面已修复"


@pytest.fixture
def leaked(published: Published) -> Published:
    p = published
    update = _progress(
        p.item, p.author, text=TEXT, rate=Decimal(60), reported_on=dt.date(2021, 5, 18)
    )
    services.set_update_public(update, True, actor=p.world.office)
    return p


def _get(p: Published, name: str, *args: int) -> str:
    response = Client().get(reverse(f"portal:{name}", args=[p.code, p.year, *args]))
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


@pytest.mark.parametrize("output", ["programme", "item"])
def test_public_pages_mask_them(leaked: Published, output: str) -> None:
    args = [leaked.item.pk] if output == "item" else []
    body = _get(leaked, output, *args)
    assert PHONE not in body and ID not in body
    assert MASKED in body


def test_the_json_masks_them(leaked: Published) -> None:
    body = _get(leaked, "items_json")
    assert PHONE not in body and ID not in body
    import json

    record = next(i for i in json.loads(body)["items"] if i["id"] == leaked.item.pk)
    assert record["latest_progress"] == MASKED


def test_the_csv_masks_them(leaked: Published) -> None:
    body = _get(leaked, "items_csv")
    assert PHONE not in body and ID not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    row = next(r for r in rows if r["id"] == str(leaked.item.pk))
    assert row["latest_progress"] == MASKED


def test_the_office_still_reads_the_text_as_written(leaked: Published) -> None:
    from shishi.conftest import client_for

    body = (
        client_for(leaked.world.office)
        .get(reverse("ledger:item", args=[leaked.item.pk]))
        .content.decode()
    )
    assert PHONE in body  # inside, the text is the unit's own; only public outputs mask it


def test_the_offices_publication_page_flags_the_update(leaked: Published) -> None:
    from shishi.conftest import client_for

    body = (
        client_for(leaked.world.office)
        .get(reverse("portal:manage_item", args=[leaked.world.programme.pk, leaked.item.pk]))
        .content.decode()
    )
    assert "含手机号码、身份证号码：公开页面和开放数据中将被遮盖" in body
    assert body.count("pii-flag") == 1  # only the update that holds them
