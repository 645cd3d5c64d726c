"""The office's publication pages read through ``portal.selectors``: the list, its rows and
totals, an item's updates with the photos it may still publish, the ticked photos."""

from __future__ import annotations

import pytest

from shishi.core.errors import ValidationFailed
from shishi.portal import selectors
from shishi.portal.forms import ManageQuery
from shishi.portal.tests.conftest import Published


def test_managed_programmes_are_the_offices_own(published: Published) -> None:
    w = published.world
    assert selectors.managed_programmes(w.office) == [w.programme]
    assert selectors.managed_programmes(w.editor_a) == []


def test_manage_list_filters_by_state_and_counts_the_whole_programme(
    published: Published,
) -> None:
    w = published.world
    public = selectors.manage_list(w.office, w.programme, ManageQuery(state="public"), per_page=50)
    private = selectors.manage_list(
        w.office, w.programme, ManageQuery(state="private"), per_page=50
    )
    assert [r.item.pk for r in public.rows] == [published.item.pk]
    assert published.item.pk not in {r.item.pk for r in private.rows}
    assert public.totals == private.totals
    assert public.totals["n"] == len(public.rows) + len(private.rows)
    assert public.totals["public"] == 1
    assert public.rows[0].counts.public == 1
    assert public.categories == private.categories
    nobody = selectors.manage_list(w.outsider, w.programme, ManageQuery(), per_page=50)
    assert nobody.rows == [] and nobody.totals["n"] == 0


def test_update_rows_offer_only_unpublished_photos(published: Published) -> None:
    rows = selectors.manage_update_rows(published.item, update_id=published.public_update.pk)
    (row,) = rows
    assert [a.pk for a in row.photos_to_offer] == [published.private_photo.pk]
    assert len(row.attachments) == 3
    assert len(selectors.manage_update_rows(published.item)) == 3


def test_chosen_attachments_must_be_the_updates(published: Published) -> None:
    p = published
    chosen = selectors.chosen_attachments(p.public_update, [p.private_photo.pk])
    assert chosen == [p.private_photo]
    assert selectors.chosen_attachments(p.public_update, []) == []
    with pytest.raises(ValidationFailed):
        selectors.chosen_attachments(p.public_update, [p.private_update_photo.pk])
