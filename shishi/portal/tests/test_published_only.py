"""The portal shows only what the office published: whatever units do (progress with any rate,
text and reason, partners' notes, change requests) and whatever the office sends back, the
public JSON and item page stay as they were; once the office publishes the pending updates,
the public rate is the newest one's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shishi.core.errors import ValidationFailed
from shishi.ledger import services
from shishi.ledger.models import Item, ProgressUpdate, Review
from shishi.portal.tests.conftest import Published

TEXT = st.text(alphabet="修复路段完成进展已未开工竣验收ab 1", min_size=1, max_size=12).filter(
    lambda t: bool(t.strip())
)
PROGRESS = st.tuples(
    st.just("progress"),
    st.integers(min_value=0, max_value=100),
    TEXT,
    st.one_of(st.none(), TEXT),  # a reason, or none (a lower rate is then refused)
)
NOTE = st.tuples(st.just("note"), TEXT)
CHANGE = st.tuples(
    st.just("change"), st.sampled_from(["2021年10月底前", "2021年11月30日前", "长期坚持"])
)
REJECT = st.tuples(st.just("reject"), TEXT)  # the office sends the oldest pending one back
ACTIONS = st.lists(st.one_of(PROGRESS, NOTE, CHANGE, REJECT), min_size=1, max_size=6)


def _public(p: Published) -> tuple[dict[str, Any], str]:
    client = Client()
    data = client.get(reverse("portal:items_json", args=[p.code, p.year])).json()
    page = client.get(reverse("portal:item", args=[p.code, p.year, p.item.pk]))
    assert page.status_code == 200
    return data, page.content.decode()


def _record(data: dict[str, Any], item: Item) -> dict[str, Any]:
    return next(r for r in data["items"] if r["id"] == item.pk)


def _act(p: Published, action: tuple[Any, ...]) -> None:
    world, item = p.world, Item.objects.get(pk=p.item.pk)
    kind = action[0]
    try:
        if kind == "progress":
            _, rate, text, reason = action
            services.record_progress(
                item, actor=world.editor_a, text=text, rate=Decimal(rate), reason=reason or ""
            )
        elif kind == "note":
            services.record_progress(item, actor=world.partner_editor, text=action[1], as_note=True)
        elif kind == "change":
            services.file_change_request(
                item, actor=world.editor_a, changes={"deadline_text": action[1]}, reason="延期"
            )
        else:
            oldest = ProgressUpdate.objects.filter(item=item, review=Review.PENDING).order_by("pk")
            first = oldest.first()
            if first is not None:
                services.reject_update(first, actor=world.office, comment=action[1])
    except ValidationFailed:
        pass  # refused (a lower rate without a reason, a request for the current deadline …)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_units_never_change_the_portal_until_the_office_publishes(
    published: Published, actions: list[tuple[Any, ...]]
) -> None:
    p = published
    with transaction.atomic():  # each example starts from the same published world
        before_json, before_page = _public(p)
        for action in actions:
            _act(p, action)
        after_json, after_page = _public(p)
        assert after_json == before_json
        assert after_page == before_page

        pending = list(
            ProgressUpdate.objects.filter(item=p.item, review=Review.PENDING, is_note=False)
        )
        if pending:
            services.publish_updates([u.pk for u in pending], actor=p.world.office)
            shown = ProgressUpdate.objects.filter(item=p.item, review=Review.PUBLISHED)
            newest = shown.order_by("-reported_on", "-pk").first()
            assert newest is not None and newest.rate is not None
            record = _record(_public(p)[0], p.item)
            assert record["completion_rate"] == float(newest.rate)
            assert record["latest_progress"] == newest.text
            assert record["latest_progress_date"] == newest.reported_on.isoformat()
            assert _public(p)[0] != before_json
        transaction.set_rollback(True)
