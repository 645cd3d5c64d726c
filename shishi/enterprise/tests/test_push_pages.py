"""The matches page (office only, paginated, pushed and read shown), the push button, the
push log, and the public read-receipt page (no login, first read stamped, unknown 404, no
personal data, hostile names escaped)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shishi.conftest import client_for
from shishi.enterprise import matches, push
from shishi.enterprise.models import Push
from shishi.enterprise.tests import push_fixtures
from shishi.enterprise.tests.push_fixtures import Reg, enterprise

pytestmark = pytest.mark.django_db
reg = push_fixtures.reg


def _url(reg: Reg) -> str:
    return f"/enterprise/policies/{reg.policy.pk}/matches/"


def test_office_sees_the_matches_with_push_state(reg: Reg) -> None:
    push.push_policy(reg.policy, actor=reg.world.office)
    Push.objects.update(read_at="2026-12-01T08:00:00Z")
    r = client_for(reg.world.office).get(_url(reg))
    assert r.status_code == 200
    text = r.content.decode()
    assert "南岗软件科技有限公司" in text and reg.rich.uscc in text
    assert "南岗数据服务有限公司" in text  # possible
    assert "南岗小微工作室" not in text and "呼兰软件有限公司" not in text
    assert "已阅读" in text and "未推送" in text
    r = client_for(reg.world.office).get(_url(reg), {"verdict": "possible"})
    assert "南岗数据服务有限公司" in r.content.decode()
    assert "南岗软件科技有限公司" not in r.content.decode()
    assert client_for(reg.world.office).get(_url(reg), {"verdict": "<x>"}).status_code == 200


def test_matches_page_pages_a_long_list(reg: Reg) -> None:
    for n in range(60):
        enterprise(reg.world.nangang, 100 + n, f"批量企业{n:02d}", revenue=Decimal(900))
    matches.store_matches(reg.policy)
    office = client_for(reg.world.office)
    first = office.get(_url(reg)).content.decode()
    assert 'rel="next"' in first
    second = office.get(_url(reg), {"page": 2}).content.decode()
    assert "批量企业59" in second
    assert office.get(_url(reg), {"page": "abc"}).status_code == 200


def test_others_cannot_see_or_push(reg: Reg) -> None:
    for who in (reg.world.editor_a, reg.world.outsider, reg.contact_user):
        assert client_for(who).get(_url(reg)).status_code == 404
        r = client_for(who).post(f"/enterprise/policies/{reg.policy.pk}/push/")
        assert r.status_code == 404
    assert client_for(None).get(_url(reg)).status_code == 302
    assert (
        client_for(reg.world.office).get("/enterprise/policies/999999/matches/").status_code == 404
    )
    assert not Push.objects.exists()


def test_the_push_button_says_how_many_and_takes_the_possible_box(reg: Reg) -> None:
    office = client_for(reg.world.office)
    url = f"/enterprise/policies/{reg.policy.pk}/push/"
    assert office.get(url).status_code == 405
    r = office.post(url, follow=True)
    assert "已推送给1家企业" in r.content.decode()
    r = office.post(url, {"possible": "1"}, follow=True)
    assert "已推送给1家企业" in r.content.decode()
    r = office.post(url, {"possible": "1"}, follow=True)
    assert "没有需要推送的企业" in r.content.decode()
    assert Push.objects.count() == 2
    reg.policy.status = "draft"
    reg.policy.save()
    r = office.post(url, follow=True)
    assert r.status_code == 200 and "只有已发布且在有效期内的政策可以推送" in r.content.decode()


def test_the_push_log_counts_and_filters(reg: Reg) -> None:
    push.push_policy(reg.policy, actor=reg.world.office, verdicts=["eligible", "possible"])
    Push.objects.filter(enterprise=reg.rich).update(
        sent_at="2026-12-01T08:00:00Z", read_at="2026-12-01T09:00:00Z", channels="sms,email"
    )
    office = client_for(reg.world.office)
    r = office.get("/enterprise/pushes/")
    assert r.status_code == 200
    summary = r.context["summary"]
    assert [(p.pushed, p.sent, p.read) for p in summary] == [(2, 1, 1)]
    assert "短信、邮件" in r.content.decode()
    read = office.get("/enterprise/pushes/", {"state": "read"}).context["rows"]
    assert [p.enterprise_id for p in read] == [reg.rich.pk]
    unsent = office.get("/enterprise/pushes/", {"state": "unsent", "q": "数据"}).context["rows"]
    assert [p.enterprise_id for p in unsent] == [reg.unknown.pk]
    assert office.get("/enterprise/pushes/", {"policy": "x", "state": "?"}).status_code == 200
    assert client_for(reg.world.outsider).get("/enterprise/pushes/").context["summary"] == []
    assert client_for(reg.world.editor_a).get("/enterprise/pushes/").status_code == 403


def test_the_read_page_needs_no_login_and_says_why(reg: Reg) -> None:
    push.push_policy(reg.policy, actor=reg.world.office)
    made = Push.objects.get()
    r = client_for(None).get(f"/public/policy-read/{made.token}/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "软件企业营业收入奖励" in text and "一次性奖励10万元" in text
    assert "营业收入不少于500万元" in text and "营业收入800万元" in text
    assert "登录政务服务网申报" in text and "区发改局" in text
    assert "13912345678" not in text and "139****5678" not in text
    assert "zhang@example.com" not in text and "张经理" not in text
    assert r["Cache-Control"].startswith("max-age=0") or "no-cache" in r["Cache-Control"]
    first = Push.objects.get().read_at
    assert first is not None
    client_for(None).get(f"/public/policy-read/{made.token}/")
    assert Push.objects.get().read_at == first
    assert client_for(None).get("/public/policy-read/not-a-token/").status_code == 404


def test_the_read_page_escapes_hostile_names(reg: Reg) -> None:
    reg.rich.name = "<script>alert(1)</script>公司"
    reg.rich.save()
    reg.policy.title = "<img src=x onerror=alert(1)>"
    reg.policy.save()
    push.push_policy(reg.policy, actor=reg.world.office)
    text = client_for(None).get(f"/public/policy-read/{Push.objects.get().token}/").content
    assert b"<script>alert(1)" not in text and b"<img src=x" not in text
    office = client_for(reg.world.office).get(_url(reg)).content
    assert b"<script>alert(1)" not in office


def test_the_read_page_is_rate_limited(reg: Reg, settings: Any) -> None:
    from django.core.cache import caches

    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "policy_read": "2/60"}
    caches["ratelimit"].clear()
    anonymous = client_for(None)
    codes = [anonymous.get("/public/policy-read/abc/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    caches["ratelimit"].clear()
