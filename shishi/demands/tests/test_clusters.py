"""Similar demands cluster; a cluster links to a ledger item, which shows what it answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import clusters, services, similarity
from shishi.demands.models import Channel, Demand, Kind
from shishi.demands.tests.conftest import Dm


def _demand(world: World, dm: Dm, text: str, address: str, phone: str = "13812345678") -> Demand:
    return services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind=Kind.COMPLAINT,
            category_id=dm.noise.pk,
            description=text,
            channel=Channel.PHONE,
            address=address,
            phone=phone,
        ),
        actor=world.operator,
    )


def test_text_and_place_similarity() -> None:
    # 7 bigrams and 11 bigrams, 6 shared: 6 / 12.
    assert similarity.text_similarity("夜间施工噪声扰民", "夜间工地施工噪声扰民严重") == 0.5
    assert similarity.text_similarity("夜间施工噪声扰民", "路灯不亮") == 0
    assert similarity.place_names("南岗区学府路88号") == {"学府路"}
    assert similarity.place_names("西大直街与学府小区交口") == {"大直街", "学府小区"}
    # About 110 m apart.
    assert (
        similarity.metres(Decimal("45.75"), Decimal("126.65"), Decimal("45.751"), Decimal("126.65"))
        < 200
    )


def test_similar_demands_cluster_and_link_to_an_item(world: World, dm: Dm) -> None:
    same = [
        _demand(world, dm, "学府路工地夜间施工噪声扰民", "学府路88号", "13812340001"),
        _demand(world, dm, "学府路工地夜里施工，噪声扰民严重", "学府路90号", "13812340002"),
        _demand(world, dm, "学府路夜间施工噪声太大扰民", "学府路工地", "13812340002"),
    ]
    _demand(world, dm, "广场舞音响声音太大", "红军街广场")
    found = clusters.clusters(world.nangang.pk)
    assert [c.demand_ids for c in found] == [sorted(d.pk for d in same)]
    with pytest.raises(PermissionDenied):
        clusters.link_to_item(found[0].demand_ids, world.item_b, actor=world.operator)
    with pytest.raises(ValidationFailed):
        clusters.link_to_item(found[0].demand_ids, world.hulan_item, actor=world.outsider)
    assert clusters.link_to_item(found[0].demand_ids, world.item_b, actor=world.office) == 3
    got = clusters.answered(world.item_b)
    assert (got.demands, got.people) == (3, 2)  # two of them from the same caller
    page = client_for(world.office).get(reverse("ledger:item", args=[world.item_b.pk]))
    assert "已回应群众诉求3件，涉及2人" in page.content.decode()


def test_the_office_links_a_cluster_on_its_page(world: World, dm: Dm) -> None:
    for i in range(3):
        _demand(world, dm, f"学府路工地夜间施工噪声扰民{i}", "学府路88号", f"1381234000{i}")
    url = reverse("demands:clusters")
    page = client_for(world.office).get(url)
    assert page.status_code == 200 and "学府路工地夜间施工噪声扰民" in page.content.decode()
    ids = list(Demand.objects.values_list("pk", flat=True))
    done = client_for(world.office).post(url, {"demand": ids, "item": world.item_a.pk})
    assert done.status_code == 302
    assert Demand.objects.filter(item=world.item_a).count() == 3
    # Another district's item is not found; a unit may not open the page.
    client_for(world.office).post(url, {"demand": ids, "item": world.hulan_item.pk})
    assert Demand.objects.filter(item=world.hulan_item).count() == 0
    assert client_for(world.editor_a).get(url).status_code == 403
