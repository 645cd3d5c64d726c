"""The demo publication: items and their updates, never partner notes; idempotent."""

from __future__ import annotations

from shishi.ledger.models import Item, ProgressUpdate
from shishi.portal.demo import publish_demo
from shishi.portal.tests.conftest import Published


def test_publish_demo_publishes_items_and_updates_but_not_notes(published: Published) -> None:
    p = published
    programme = p.world.programme
    counts = publish_demo(programme, p.world.office)
    assert counts["items"] == Item.objects.filter(programme=programme).count() - 1
    assert not Item.objects.filter(programme=programme, is_public=False).exists()
    updates = ProgressUpdate.objects.filter(item__programme=programme)
    assert not updates.filter(is_note=False, is_public=False).exists()
    assert not updates.filter(is_note=True, is_public=True).exists()
    assert counts["updates"] == 1  # the one update that was not public yet
    # Its photo was published already; the photo the office left out of the public update
    # stays out (the demo publishes what waits for review, not what the office decided).
    assert counts["photos"] == 0
    assert not type(p.private_photo).objects.filter(pk=p.private_photo.pk, is_public=True).exists()
    assert not p.pdf.__class__.objects.filter(pk=p.pdf.pk, is_public=True).exists()
    assert publish_demo(programme, p.world.office) == {"items": 0, "updates": 0, "photos": 0}
