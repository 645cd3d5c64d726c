"""The education demo: Nangang's 16 landmarks (the museum on 一曼街 and 15 marked samples),
routes, eight weeks of check-ins counted on each landmark, the 十百千万 campaign filled part of
the way; Hulan's 64 committees, 665 branches and 19,141 members, its 230+ posts with over
10,000 views and 60+ media reports; Nangang's 103 accounts and 400+ screens — written through
the services (their audit events show it) — and a second run changes nothing.

The services refuse a date after today (the clock's), so each run here sets the clock to the
``now`` it seeds for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum

from shishi.conftest import World
from shishi.core.audit import AuditEvent
from shishi.education import demo, permissions
from shishi.education.models import (
    CampaignLine,
    CampaignTarget,
    Channel,
    CheckIn,
    Column,
    Landmark,
    MediaLevel,
    MediaReport,
    Post,
    Route,
    SensitiveWord,
    StudyActivity,
    StudyKind,
)
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=CN)
TODAY = NOW.date()


def _seed(world: World, now: dt.datetime = NOW) -> demo.Summary:
    with mock.patch("django.utils.timezone.now", return_value=now):
        return demo.seed_education({"230103": world.nangang, "230111": world.hulan}, now=now)


def _counts() -> tuple[int, ...]:
    return (
        Unit.objects.count(),
        Landmark.objects.count(),
        Route.objects.count(),
        CheckIn.objects.count(),
        SensitiveWord.objects.count(),
        CampaignTarget.objects.count(),
        StudyActivity.objects.count(),
        Channel.objects.count(),
        Column.objects.count(),
        Post.objects.count(),
        MediaReport.objects.count(),
        AuditEvent.objects.filter(action="education.demo_seed").count(),
    )


def test_the_education_demo_has_the_issues_figures_and_runs_twice_alike(world: World) -> None:
    first = _seed(world)  # its time is measured, not asserted: docs/education.md "Demo"
    check_landmarks_and_routes(world)
    check_check_ins(world)
    check_campaign_part_way(world)
    check_nangang_organisations(world)
    check_hulan_organisations(world)
    check_hulan_publicity(world)
    check_nangang_publicity(world)
    assert AuditEvent.objects.filter(action="education.demo_seed").count() == 2
    check_written_through_the_services()
    assert first.landmarks == 16 and first.hulan_branches == 665
    assert first.hulan_members == 19_141 and first.reports >= 60

    counts = _counts()
    second = _seed(world, NOW + dt.timedelta(days=2))
    assert _counts() == counts
    assert second == first


def check_written_through_the_services() -> None:
    """Every landmark, route, word list, target, activity (entered, then reviewed), channel,
    column, post and report has the event its service writes."""
    events = dict(
        AuditEvent.objects.filter(action__startswith="education.")
        .values_list("action")
        .annotate(n=Count("pk"))
    )
    activities = StudyActivity.objects.all()
    approved = activities.filter(status=StudyActivity.Status.APPROVED).count()
    assert events["education.landmark_create"] == Landmark.objects.count() == 16
    assert events["education.route_create"] == Route.objects.count() == 3
    assert events["education.sensitive_words_add"] == 1
    assert events["education.campaign_target_set"] == CampaignTarget.objects.count() == 4 + 24
    assert events["education.study_entered"] == activities.count()
    assert events["education.study_approved"] == approved > 800
    assert events["education.study_returned"] == 1
    assert events["education.channel_create"] == Channel.objects.count() == 103 + 5 + 1
    assert events["education.column_create"] == Column.objects.count() == 1 + 6
    assert events["education.post_create"] == Post.objects.count()
    assert events["education.media_create"] == MediaReport.objects.count() >= 60


def check_landmarks_and_routes(world: World) -> None:
    landmarks = list(Landmark.objects.filter(jurisdiction=world.nangang))
    assert len(landmarks) == 16
    museum = next(m for m in landmarks if m.name == "东北抗联博物馆")
    assert museum.address == "哈尔滨市南岗区一曼街241号" and not museum.is_sample
    assert abs(museum.lat - Decimal("45.757")) < Decimal("0.005")  # type: ignore[operator]
    assert abs(museum.lon - Decimal("126.640")) < Decimal("0.005")  # type: ignore[operator]
    samples = [m for m in landmarks if m.is_sample]
    assert len(samples) == 15 and all("（示例）" in m.name for m in samples)
    for m in landmarks:
        assert m.lat is not None and m.lon is not None
        assert Decimal("45.70") <= m.lat <= Decimal("45.77"), m.name
        assert Decimal("126.60") <= m.lon <= Decimal("126.72"), m.name
        assert m.address.startswith("哈尔滨市南岗区") and m.description and m.opening_hours
    routes = Route.objects.filter(jurisdiction=world.nangang).annotate(n=Count("stops"))
    assert {r.name for r in routes} == {"抗联足迹", "城市红色记忆", "校园红色线路"}
    assert all(4 <= r.n <= 6 for r in routes)


def check_check_ins(world: World) -> None:
    rows = CheckIn.objects.filter(landmark__jurisdiction=world.nangang)
    assert 300 <= rows.count() <= 2_000
    per = dict(rows.values_list("landmark_id").annotate(n=Count("pk")))
    for landmark in Landmark.objects.filter(jurisdiction=world.nangang):
        assert landmark.check_ins == per.get(landmark.pk, 0) > 0, landmark.name
    days = rows.values_list("day", flat=True)
    assert min(days) == TODAY - dt.timedelta(weeks=8) and max(days) == TODAY - dt.timedelta(1)
    assert rows.exclude(group="").exists() and rows.filter(who__startswith="p:").exists()
    branches = set(
        Unit.objects.filter(jurisdiction=world.nangang, kind=Unit.Kind.PARTY_BRANCH).values_list(
            "name", flat=True
        )
    )
    assert set(rows.exclude(group="").values_list("group", flat=True)) <= branches
    words = list(
        SensitiveWord.objects.filter(jurisdiction=world.nangang).values_list("word", flat=True)
    )
    assert len(words) >= 3
    nicknames = set(rows.values_list("nickname", flat=True))
    assert not any(w in n for w in words for n in nicknames)


def check_campaign_part_way(world: World) -> None:
    targets = dict(
        CampaignTarget.objects.filter(
            jurisdiction=world.nangang, year=TODAY.year, unit=None
        ).values_list("line", "target")
    )
    assert targets == {
        CampaignLine.EXPERT_TOUR: 10,
        CampaignLine.SECRETARY_LECTURE: 100,
        CampaignLine.VETERAN_STORY: 1_000,
        CampaignLine.BASE_VISIT: 10_000,
    }
    activities = StudyActivity.objects.filter(jurisdiction=world.nangang)
    approved = activities.filter(status=StudyActivity.Status.APPROVED, held_on__year=TODAY.year)

    def speakers(line: str) -> int:
        return approved.filter(line=line).values("speaker").distinct().count()

    visits = approved.filter(line=CampaignLine.BASE_VISIT).aggregate(n=Sum("participants"))["n"]
    done: dict[str, int] = {
        CampaignLine.EXPERT_TOUR: speakers(CampaignLine.EXPERT_TOUR),
        CampaignLine.SECRETARY_LECTURE: speakers(CampaignLine.SECRETARY_LECTURE),
        CampaignLine.VETERAN_STORY: speakers(CampaignLine.VETERAN_STORY),
        CampaignLine.BASE_VISIT: visits,
    }
    assert done[CampaignLine.EXPERT_TOUR] == 6
    assert done[CampaignLine.SECRETARY_LECTURE] == 60
    assert done[CampaignLine.VETERAN_STORY] == 550
    assert 5_800 <= done[CampaignLine.BASE_VISIT] <= 6_200
    assert all(0 < done[line] < target for line, target in targets.items())
    assert set(approved.values_list("kind", flat=True)) == set(StudyKind.values)
    assert approved.filter(landmark__isnull=False).exists()
    assert 3 <= activities.filter(status=StudyActivity.Status.SUBMITTED).count() <= 6
    returned = activities.get(status=StudyActivity.Status.RETURNED)
    assert returned.review_note and returned.reviewed_at is not None
    assert not activities.filter(held_on__gt=TODAY).exists()
    organisers = set(activities.values_list("unit__kind", flat=True))
    assert organisers == {Unit.Kind.PARTY_COMMITTEE, Unit.Kind.PARTY_BRANCH}
    # Reviewed by the district's office, as the office's review would.
    assert set(approved.values_list("reviewed_by__username", flat=True)) == {"office"}


def check_nangang_organisations(world: World) -> None:
    committees = Unit.objects.filter(
        jurisdiction=world.nangang, kind=Unit.Kind.PARTY_COMMITTEE
    ).annotate(n=Count("children"))
    assert committees.count() == 12
    assert all(3 <= c.n <= 8 for c in committees)
    assert not Unit.objects.filter(
        jurisdiction=world.nangang, kind=Unit.Kind.PARTY_BRANCH, members__isnull=True
    ).exists()


def check_hulan_organisations(world: World) -> None:
    party = Unit.objects.filter(jurisdiction=world.hulan)
    committees = party.filter(kind=Unit.Kind.PARTY_COMMITTEE)
    branches = party.filter(kind=Unit.Kind.PARTY_BRANCH)
    assert committees.count() == 64 and branches.count() == 665
    assert branches.filter(name="第一党支部").count() == 64
    assert set(branches.values_list("parent_id", flat=True)) == set(
        committees.values_list("pk", flat=True)
    )
    assert branches.filter(name__endswith="村党支部").count() > 50
    assert demo.party_members(world.hulan) == 19_141
    assert not branches.filter(members__lt=3).exists()


def check_hulan_publicity(world: World) -> None:
    account = Channel.objects.get(jurisdiction=world.hulan, name="呼兰发布")
    assert account.kind == Channel.Kind.WECHAT
    columns = set(account.columns.values_list("name", flat=True))
    assert len(columns) == 6 and "学党史·办实事" in columns
    posts = Post.objects.filter(channel__jurisdiction=world.hulan, published_on__year=TODAY.year)
    assert posts.count() >= 230 and posts.filter(published_on__gt=TODAY).count() == 0
    assert (posts.aggregate(n=Sum("views"))["n"] or 0) > 10_000
    reports = MediaReport.objects.filter(jurisdiction=world.hulan, published_on__year=TODAY.year)
    assert reports.count() >= 60
    levels = dict(reports.values_list("level").annotate(n=Count("pk")))
    assert set(levels) == {MediaLevel.CENTRAL, MediaLevel.PROVINCIAL, MediaLevel.CITY}
    outlets = set(reports.values_list("outlet", flat=True))
    assert {"人民网", "黑龙江日报", "哈尔滨日报"} <= outlets


def check_nangang_publicity(world: World) -> None:
    channels = Channel.objects.filter(jurisdiction=world.nangang)
    accounts = channels.exclude(kind=Channel.Kind.LED)
    assert accounts.count() == 103
    assert set(accounts.values_list("kind", flat=True)) == {
        Channel.Kind.WECHAT,
        Channel.Kind.WEIBO,
        Channel.Kind.APP,
        Channel.Kind.VIDEO,
    }
    screens = channels.filter(kind=Channel.Kind.LED).aggregate(n=Sum("screens"))["n"]
    assert screens >= 400
    column = Column.objects.get(channel__jurisdiction=world.nangang, name="学党史·办实事")
    assert column.posts.count() >= 20


def test_the_committee_login_enters_for_its_committee_and_branches(world: World) -> None:
    # As orgs.demo.seed_logins makes it: the login's unit first, as a bureau.
    unit = org_services.ensure_unit(world.nangang, demo.DANGWEI_COMMITTEE, kind="bureau")
    user = org_services.ensure_user(demo.DANGWEI, password="pw-test-123")
    org_services.grant_role(user, Role.UNIT_EDITOR, world.nangang, unit=unit)
    _seed(world)
    unit.refresh_from_db()
    assert unit.kind == Unit.Kind.PARTY_COMMITTEE
    branches = set(unit.children.values_list("pk", flat=True))
    assert len(branches) == 7
    assert permissions.entering_unit_ids(user) == branches | {unit.pk}
    theirs = StudyActivity.objects.filter(unit_id__in=branches | {unit.pk})
    assert theirs.exists() and not theirs.exclude(created_by=user).exists()


def test_the_demo_made_early_in_january_stays_within_the_year(world: World) -> None:
    jan2 = dt.datetime(2027, 1, 2, 9, 0, tzinfo=CN)
    summary = _seed(world, jan2)
    assert summary.posts >= 230 and summary.reports >= 60
    for model, field in ((Post, "published_on"), (MediaReport, "published_on")):
        days = set(model.objects.values_list(field, flat=True))
        assert days and all(dt.date(2027, 1, 1) <= d <= jan2.date() for d in days)
    held = set(StudyActivity.objects.values_list("held_on", flat=True))
    assert all(dt.date(2027, 1, 1) <= d <= jan2.date() for d in held)


def test_the_summary_line_names_the_figures(world: World) -> None:
    line = _seed(world).line()
    assert "红色地标 16 个" in line and "党支部 665 个" in line and "党员 19141 名" in line
