"""The policy library's pages: the office's search (text, level, benefit, industry, status)
and pagination, a policy's page, the form with errors beside their rows, stale edits,
publishing; the public pages without login; who is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.enterprise import policy_services as ps
from shishi.enterprise.models import Match, Policy, PolicyStatus, Verdict
from shishi.enterprise.policy_services import ConditionRow, PolicyInput
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _policy(world: World, title: str, *conditions: tuple[str, str], **values: Any) -> Policy:
    publish = values.pop("publish", False)
    jurisdiction = values.pop("jurisdiction", world.nangang)
    data = PolicyInput(
        title=title,
        level=values.pop("level", "district"),
        benefit=values.pop("benefit", "subsidy"),
        conditions=[ConditionRow(k, v) for k, v in conditions],
        **values,
    )
    actor = world.office if jurisdiction == world.nangang else world.outsider
    policy = ps.create_policy(jurisdiction.pk, data, actor=actor)
    return ps.publish_policy(policy, actor=actor) if publish else policy


def _titles(response: Any) -> list[str]:
    return [p.title for p in response.context["p"].rows]


LIST = reverse("enterprise:policies")


def test_search_by_text_level_benefit_and_status(world: World) -> None:
    _policy(
        world, "软件企业奖励", level="district", benefit="award", doc_number="南政发〔2024〕3号"
    )
    _policy(world, "研发费用加计扣除", level="national", benefit="tax", issuer="国家税务总局")
    _policy(world, "贷款贴息", level="city", benefit="interest", publish=True)
    client = client_for(world.office)
    assert set(_titles(client.get(LIST))) == {"软件企业奖励", "研发费用加计扣除", "贷款贴息"}
    assert _titles(client.get(LIST, {"q": "软件"})) == ["软件企业奖励"]
    assert _titles(client.get(LIST, {"q": "2024〕3"})) == ["软件企业奖励"]  # 文号
    assert _titles(client.get(LIST, {"q": "税务总局"})) == ["研发费用加计扣除"]  # issuer
    assert _titles(client.get(LIST, {"level": "national"})) == ["研发费用加计扣除"]
    assert _titles(client.get(LIST, {"benefit": "interest"})) == ["贷款贴息"]
    assert _titles(client.get(LIST, {"status": "published"})) == ["贷款贴息"]
    assert client.get(LIST, {"level": "bogus"}).status_code == 200  # ignored, not a 500


def test_search_by_industry_covers_and_keeps_policies_without_one(world: World) -> None:
    _policy(world, "软件业", ("industry_any", "I65"))
    _policy(world, "软件开发", ("industry_any", "6511"))
    _policy(world, "信息技术门类", ("industry_any", "I"))
    _policy(world, "制造业", ("industry_any", "C"))
    _policy(world, "除软件外", ("industry_none", "I65"))
    _policy(world, "不限行业", ("size_in", "小型"))
    client = client_for(world.office)
    found = set(_titles(client.get(LIST, {"industry": "6513"})))
    assert found == {"软件业", "信息技术门类", "不限行业"}
    found = set(_titles(client.get(LIST, {"industry": "I65"})))
    assert found == {"软件业", "软件开发", "信息技术门类", "不限行业"}
    found = set(_titles(client.get(LIST, {"industry": "C1311"})))
    assert found == {"制造业", "除软件外", "不限行业"}
    response = client.get(LIST, {"industry": "6514"})
    assert response.status_code == 200
    assert "行业代码6514不存在" in response.content.decode()


def test_library_is_paginated(world: World) -> None:
    for n in range(25):
        Policy.objects.create(
            jurisdiction=world.nangang, title=f"政策{n:02d}", level="district", benefit="award"
        )
    client = client_for(world.office)
    first = client.get(LIST)
    assert len(first.context["p"].rows) == 20 and first.context["p"].paginator.count == 25
    assert len(client.get(LIST, {"page": "2"}).context["p"].rows) == 5
    assert client.get(LIST, {"page": "x"}).status_code == 200


def test_policy_page_shows_conditions_in_words_and_match_counts(world: World) -> None:
    street = org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    policy = _policy(
        world,
        "小微企业补贴",
        ("size_in", "小型、微型"),
        ("street_in", "花园街道"),
        ("text", "近三年无重大安全事故"),
        guide="登录政务服务网申报",
        contact="区工信局 0451-12345678",
        publish=True,
    )
    from shishi.enterprise.models import Enterprise

    for n, verdict in enumerate(["eligible", "eligible", "possible"]):
        e = Enterprise.objects.create(
            jurisdiction=world.nangang, uscc=f"9123010300000{n:04d}X", name=f"企业{n}"
        )
        Match.objects.create(policy=policy, enterprise=e, verdict=verdict)
    response = client_for(world.office).get(reverse("enterprise:policy", args=[policy.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "企业规模为小型、微型" in body and "注册地在花园街道" in body
    assert "近三年无重大安全事故" in body and "登录政务服务网申报" in body
    assert response.context["counts"] == {Verdict.ELIGIBLE: 2, Verdict.POSSIBLE: 1}
    assert street.name in body


def _form(**values: Any) -> dict[str, Any]:
    data = {
        "title": "新政策",
        "level": "district",
        "benefit": "award",
        "condition_rows": "3",
        "c-kind-0": "industry_any",
        "c-value-0": "65",
        "c-kind-1": "",
        "c-value-1": "",
        "c-kind-2": "revenue_min",
        "c-value-2": "100",
    }
    data.update(values)
    return data


def test_new_policy_form_saves_a_draft(world: World) -> None:
    client = client_for(world.office)
    url = reverse("enterprise:policy_new") + f"?jurisdiction={world.nangang.code}"
    assert client.get(url).status_code == 200
    response = client.post(url, _form())
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{policy.pk}/")
    assert [(c.kind, c.params) for c in policy.conditions.all()] == [
        ("industry_any", {"codes": ["I65"]}),
        ("revenue_min", {"value": 100}),
    ]
    assert policy.status == PolicyStatus.DRAFT


def test_a_bad_row_is_shown_beside_it_and_nothing_saved(world: World) -> None:
    client = client_for(world.office)
    url = reverse("enterprise:policy_new") + f"?jurisdiction={world.nangang.code}"
    response = client.post(url, _form(**{"c-value-2": "-5", "c-value-0": "I6514"}))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="condition-0-error">行业代码6514不存在' in body
    assert 'id="condition-2-error">不能为负数' in body
    assert 'value="I6514"' in body  # what was typed is kept
    assert not Policy.objects.exists()
    response = client.post(url, _form(no_apply="on", **{"c-kind-1": "text", "c-value-1": "另议"}))
    assert response.status_code == 422 and "文字条件" in response.content.decode()


def test_edit_form_refuses_a_stale_version_keeping_the_input(world: World) -> None:
    policy = _policy(world, "旧名称", ("size_in", "小型"))
    client = client_for(world.office)
    url = reverse("enterprise:policy_edit", args=[policy.pk])
    page = client.get(url).content.decode()
    assert 'value="小型"' in page
    assert client.post(url, _form(title="甲", version="1")).status_code == 302
    response = client.post(url, _form(title="乙", version="1"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被他人修改" in body and 'value="乙"' in body
    assert 'id="current-policy"' in body and "<dd>甲</dd>" in body  # the current beside it
    policy.refresh_from_db()
    assert policy.title == "甲"
    assert client.post(url, _form(title="丙", version="abc")).status_code == 422
    assert client.post(url, _form(title="丙", version="")).status_code == 409
    policy.refresh_from_db()
    assert policy.title == "甲"


def test_publish_unpublish_and_expire_buttons(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    policy = _policy(world, "政策")
    client = client_for(world.office)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("enterprise:policy_publish", args=[policy.pk]), {"version": "1"}
        )
    assert response.status_code == 302 and len(callbacks) == 1
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    client.post(reverse("enterprise:policy_expire", args=[policy.pk]), {"version": "1"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED  # stale: refused
    client.post(reverse("enterprise:policy_expire", args=[policy.pk]), {"version": "2"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.EXPIRED


def test_non_office_users_are_refused(world: World) -> None:
    policy = _policy(world, "政策")
    for user in (world.editor_a, world.viewer_a, world.resident, world.inspector):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(reverse("enterprise:policy", args=[policy.pk])).status_code == 404
        assert (
            client.post(reverse("enterprise:policy_publish", args=[policy.pk])).status_code == 404
        )
    outsider = client_for(world.outsider)  # Hulan's office
    assert outsider.get(reverse("enterprise:policy", args=[policy.pk])).status_code == 404
    assert outsider.get(reverse("enterprise:policy_edit", args=[policy.pk])).status_code == 404
    assert outsider.get(LIST).context["place"].district == world.hulan
    anonymous = client_for(None).get(LIST)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(world.city_office).get(LIST).status_code == 200


# --- public pages -------------------------------------------------------------------------


def test_public_pages_list_published_policies_in_force_without_login(world: World) -> None:
    published = _policy(world, "已发布的政策", ("text", "近三年纳税信用A级"), publish=True)
    draft = _policy(world, "草稿政策")
    hulan = _policy(world, "呼兰的政策", jurisdiction=world.hulan, publish=True)
    client = client_for(None)
    listing = client.get(reverse("enterprise_public:policies", args=[world.nangang.code]))
    assert listing.status_code == 200 and _titles(listing) == ["已发布的政策"]
    page = client.get(reverse("enterprise_public:policy", args=[world.nangang.code, published.pk]))
    assert page.status_code == 200 and "近三年纳税信用A级" in page.content.decode()
    for pk in (draft.pk, hulan.pk):
        url = reverse("enterprise_public:policy", args=[world.nangang.code, pk])
        assert client.get(url).status_code == 404
    assert client.get(reverse("enterprise_public:policies", args=["999999"])).status_code == 404
    found = client.get(
        reverse("enterprise_public:policies", args=[world.nangang.code]), {"q": "草稿"}
    )
    assert _titles(found) == []


def test_hostile_titles_are_escaped(world: World) -> None:
    policy = _policy(world, "<script>alert(1)</script>", ("text", "<b>粗</b>"), publish=True)
    client = client_for(None)
    body = client.get(
        reverse("enterprise_public:policy", args=[world.nangang.code, policy.pk])
    ).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>粗</b>" not in body
    office = client_for(world.office).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in office


def test_source_file_served_to_office_and_public_once_published(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("原文.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    policy = _policy(world, "有原文的政策", source_file=pdf)
    public_url = reverse("enterprise_public:policy_source", args=[world.nangang.code, policy.pk])
    assert client_for(None).get(public_url).status_code == 404  # a draft's file
    office = client_for(world.office).get(reverse("enterprise:policy_source", args=[policy.pk]))
    assert office.status_code == 200 and b"".join(office.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    ps.publish_policy(policy, actor=world.office)
    assert client_for(None).get(public_url).status_code == 200


def test_library_of_344_policies_takes_a_few_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    policies = Policy.objects.bulk_create(
        Policy(
            jurisdiction=world.nangang,
            title=f"政策{n:03d}",
            level="district",
            benefit="subsidy",
            status=PolicyStatus.PUBLISHED,
        )
        for n in range(344)
    )
    from shishi.enterprise.models import PolicyCondition

    PolicyCondition.objects.bulk_create(
        PolicyCondition(policy=p, kind="industry_any", params={"codes": ["I65" if n % 2 else "C"]})
        for n, p in enumerate(policies)
    )
    client = client_for(world.office)
    with django_assert_max_num_queries(15):
        response = client.get(LIST, {"industry": "I6513", "q": "政策", "level": "district"})
    assert response.context["p"].paginator.count == 172
    with django_assert_max_num_queries(12):
        response = client_for(None).get(
            reverse("enterprise_public:policies", args=[world.nangang.code]), {"industry": "C13"}
        )
    assert response.context["p"].paginator.count == 172
