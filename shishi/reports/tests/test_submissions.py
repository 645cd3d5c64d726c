"""Feedback cycles: opening a period, drafting, sign-off, submitting through the ledger's
rules, returning; who may see and do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shishi.conftest import PASSWORD, World, client_for
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger.models import Item, ProgressUpdate
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User
from shishi.reports import permissions, services
from shishi.reports.models import Cycle, Submission

Status = Submission.Status


@pytest.fixture
def head_a(world: World) -> User:
    user = org_services.ensure_user("head_a", password=PASSWORD, display_name="城管局负责人")
    org_services.grant_role(user, Role.UNIT_HEAD, world.nangang, unit=world.unit_a)
    return user


def _row_draft(item: Item, rate: str, text: str) -> services.Draft:
    return services.Draft(rows={item.pk: services.RowInput(rate=Decimal(rate), text=text)})


def test_opening_a_period_prefills_each_unit_once(world: World, weekly: Cycle) -> None:
    opened = services.open_period(weekly, "2021-W25", actor=world.office)
    assert opened.created == 2
    period = opened.period
    assert (period.start, period.end) == (dt.date(2021, 6, 21), dt.date(2021, 6, 27))
    assert period.due_at.date() == dt.date(2021, 6, 25)  # the week's Friday
    sub_a = period.submissions.get(unit=world.unit_a)
    assert [r.item_id for r in sub_a.rows.all()] == [world.item_a.pk]
    row = sub_a.rows.get()
    assert (row.rate, row.text) == (world.item_a.completion_rate, world.item_a.progress_text)
    assert sub_a.sections.count() == 1 and sub_a.figures.count() == 1
    # Again: nothing new; a unit added since gets its submission.
    assert services.open_period(weekly, "2021-W25").created == 0
    weekly.units.add(world.unit_c)
    assert services.open_period(weekly, "2021-W25").created == 1
    assert AuditEvent.objects.filter(action="reports.open_period").count() == 2


def test_a_bad_period_key_names_what_is_wrong(world: World, weekly: Cycle) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.open_period(weekly, "2021-W54", actor=world.office)
    assert "period" in caught.value.errors
    with pytest.raises(PermissionDenied):
        services.open_period(weekly, "2021-W25", actor=world.editor_a)


def test_next_period_is_prefilled_with_last_periods_text(
    world: World, weekly: Cycle, head_a: User
) -> None:
    first = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    section = first.sections.get()
    draft = _row_draft(world.item_a, "40", "第25周：完成路面铣刨")
    draft.sections = {section.section_id: "下周摊铺沥青"}
    services.save_draft(first, draft, actor=world.editor_a, expected_version=first.version)
    second = services.open_period(weekly, "2021-W26").period.submissions.get(unit=world.unit_a)
    assert second.rows.get().text == "第25周：完成路面铣刨"
    assert second.sections.get().text == "下周摊铺沥青"


def test_sign_off_then_submit_posts_progress_like_a_progress_post(
    world: World, weekly: Cycle, head_a: User
) -> None:
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    sub = services.save_draft(
        sub, _row_draft(world.item_a, "30", "完成路面铣刨"), actor=world.editor_a,
        expected_version=sub.version,
    )  # fmt: skip
    sub = services.submit(sub, actor=world.editor_a, expected_version=sub.version)
    assert sub.status == Status.AWAITING_SIGN_OFF
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()  # not yet
    before = AuditEvent.objects.filter(action="item.progress").count()
    sub = services.sign_off(sub, actor=head_a, expected_version=sub.version)
    assert sub.status == Status.SUBMITTED and sub.first_submitted_at is not None
    assert sub.signed_off_by == head_a
    update = ProgressUpdate.objects.get(item=world.item_a)
    assert (update.rate, update.text, update.author) == (Decimal(30), "完成路面铣刨", head_a)
    world.item_a.refresh_from_db()
    assert world.item_a.completion_rate == Decimal(30)
    # The ledger's own audit event for the post, as a progress post writes it.
    assert AuditEvent.objects.filter(action="item.progress").count() == before + 1
    assert sub.rows.get().update_id == update.pk


def test_unchanged_rows_post_nothing(world: World, weekly: Cycle, head_a: User) -> None:
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    sub = services.sign_off(sub, actor=head_a, expected_version=sub.version)
    assert sub.status == Status.SUBMITTED
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()


def test_a_ledger_rule_refuses_the_whole_submission_naming_the_item(
    world: World, weekly: Cycle, head_a: User
) -> None:
    world.item_a.completion_rate = Decimal(60)
    world.item_a.save()
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    sub = services.save_draft(  # a lower rate without a reason
        sub, _row_draft(world.item_a, "20", "返工"), actor=world.editor_a,
        expected_version=sub.version,
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        services.sign_off(sub, actor=head_a, expected_version=sub.version)
    assert world.item_a.number in caught.value.message
    assert any(key.startswith(f"rows-{world.item_a.pk}-") for key in caught.value.errors)
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT and sub.first_submitted_at is None
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()


def test_returned_submission_keeps_the_text_and_punctuality_counts_the_first_time(
    world: World, weekly: Cycle, head_a: User
) -> None:
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    late = sub.period.due_at + dt.timedelta(hours=3)
    sub = services.save_draft(
        sub, _row_draft(world.item_a, "30", "完成路面铣刨"), actor=world.editor_a,
        expected_version=sub.version,
    )  # fmt: skip
    sub = services.sign_off(sub, actor=head_a, expected_version=sub.version, now=late)
    assert sub.is_late
    with pytest.raises(PermissionDenied):  # a unit cannot return its own report
        services.return_submission(sub, actor=head_a, comment="x", expected_version=sub.version)
    with pytest.raises(ValidationFailed):
        services.return_submission(sub, actor=world.office, comment=" ", expected_version=None)
    sub = services.return_submission(
        sub, actor=world.office, comment="请补充铣刨面积", expected_version=sub.version
    )
    assert sub.status == Status.RETURNED and sub.return_comment == "请补充铣刨面积"
    assert sub.rows.get().text == "完成路面铣刨"
    sub = services.save_draft(
        sub, _row_draft(world.item_a, "30", "完成路面铣刨1.2万平方米"), actor=world.editor_a,
        expected_version=sub.version,
    )  # fmt: skip
    sub = services.sign_off(sub, actor=head_a, expected_version=sub.version)
    assert sub.status == Status.SUBMITTED and sub.is_late  # still counted by the first time
    texts = list(ProgressUpdate.objects.filter(item=world.item_a).values_list("text", flat=True))
    assert sorted(texts) == ["完成路面铣刨", "完成路面铣刨1.2万平方米"]


def test_stale_draft_is_refused(world: World, weekly: Cycle) -> None:
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    old = sub.version
    services.save_draft(sub, _row_draft(world.item_a, "10", "a"), actor=world.editor_a,
                        expected_version=old)  # fmt: skip
    with pytest.raises(StaleEdit):
        services.save_draft(sub, _row_draft(world.item_a, "20", "b"), actor=world.editor_a,
                            expected_version=old)  # fmt: skip


def test_without_sign_off_the_editor_submits_to_the_office(world: World, weekly: Cycle) -> None:
    weekly.needs_sign_off = False
    weekly.save()
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    sub = services.submit(sub, actor=world.editor_a, expected_version=sub.version)
    assert sub.status == Status.SUBMITTED and sub.signed_off_by is None


def test_a_unit_sees_and_submits_only_its_own(world: World, weekly: Cycle) -> None:
    period = services.open_period(weekly, "2021-W25").period
    sub_a = period.submissions.get(unit=world.unit_a)
    for user in (world.editor_b, world.partner_editor, world.outsider, world.resident):
        with pytest.raises(NotFound):
            permissions.access_submission(user, sub_a.pk)
        with pytest.raises(PermissionDenied):
            services.save_draft(sub_a, services.Draft(), actor=user, expected_version=None)
    for user in (world.editor_a, world.viewer_a, world.office, world.city_office):
        assert permissions.access_submission(user, sub_a.pk) == sub_a
    with pytest.raises(PermissionDenied):
        services.save_draft(sub_a, services.Draft(), actor=world.viewer_a, expected_version=None)
    with pytest.raises(PermissionDenied):
        services.sign_off(sub_a, actor=world.editor_a, expected_version=None)


def test_pages_walk_submit_return_resubmit(world: World, weekly: Cycle, head_a: User) -> None:
    period = services.open_period(weekly, "2021-W25").period
    sub = period.submissions.get(unit=world.unit_a)
    url = f"/reports/submissions/{sub.pk}/"
    editor, head, office = client_for(world.editor_a), client_for(head_a), client_for(world.office)
    page = editor.get(url)
    assert page.status_code == 200 and world.item_a.name in page.content.decode()
    section = sub.sections.get().section_id
    figure = sub.figures.get().figure_id
    data = {
        "version": sub.version,
        f"rows-{world.item_a.pk}-rate": "35",
        f"rows-{world.item_a.pk}-text": "完成铣刨",
        f"section-{section}": "下周摊铺",
        f"figure-{figure}": "12",
        "action": "submit",
    }
    assert editor.post(url, data).status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.AWAITING_SIGN_OFF
    assert sub.figures.get().value == Decimal(12)
    data.update(version=sub.version, action="sign_off")
    assert head.post(url, data).status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED
    overview = office.get(f"/reports/periods/{period.pk}/").content.decode()
    assert world.unit_a.name in overview and world.unit_b.name in overview
    back = office.post(f"/reports/submissions/{sub.pk}/return/",
                       {"version": sub.version, "comment": "请补充数据"})  # fmt: skip
    assert back.status_code == 302
    assert "请补充数据" in editor.get(url).content.decode()
    assert client_for(world.editor_b).get(url).status_code == 404
    stale = editor.post(url, {**data, "version": 1, "action": "save"})
    assert stale.status_code == 409


def test_cycle_page_opens_a_period(world: World, weekly: Cycle) -> None:
    office = client_for(world.office)
    assert office.get(f"/reports/cycles/{weekly.pk}/").status_code == 200
    assert office.post(f"/reports/cycles/{weekly.pk}/", {"period": "2021-W25"}).status_code == 302
    assert weekly.periods.get().submissions.count() == 2
    bad = office.post(f"/reports/cycles/{weekly.pk}/", {"period": "2021-W99"})
    assert bad.status_code == 422
    assert client_for(world.editor_a).get(f"/reports/cycles/{weekly.pk}/").status_code == 403
    assert client_for(world.editor_a).get("/reports/").status_code == 200


def test_the_models_cadences_are_the_period_rules_cadences() -> None:
    from shishi.reports import periods
    from shishi.reports.models import Cadence

    assert set(Cadence.values) == {c.value for c in periods.Cadence}


def test_a_row_sent_back_as_prefilled_posts_nothing(
    world: World, weekly: Cycle, head_a: User
) -> None:
    from shishi.ledger.models import Target

    target = Target.objects.create(item=world.item_a, name="修复路段", value=100, actual=40)
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    row = sub.rows.get()
    assert row.target_actuals == {str(target.pk): "40.00"}
    # The form sends every field back as shown: the same numbers, written another way.
    same = services.RowInput(rate=row.rate, text=row.text, target_actuals={str(target.pk): "40"})
    sub = services.save_draft(
        sub, services.Draft(rows={world.item_a.pk: same}), actor=world.editor_a,
        expected_version=sub.version,
    )  # fmt: skip
    sub = services.sign_off(sub, actor=head_a, expected_version=sub.version)
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
