"""The policy library's services: every condition kind checked with a clear message beside
its row, the 免申即享 rule, stale edits refused, publishing enqueues the matching, audits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.enterprise import policy_services as ps
from shishi.enterprise.models import (
    Enterprise,
    Match,
    Policy,
    PolicyStatus,
)
from shishi.enterprise.policy_services import ConditionRow, PolicyInput
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _input(**overrides: Any) -> PolicyInput:
    values: dict[str, Any] = {
        "title": "软件企业营业收入奖励",
        "level": "district",
        "benefit": "award",
        "doc_number": "南政规〔2024〕1号",
        "issuer": "南岗区人民政府",
        "amount_text": "最高50万元",
    }
    values.update(overrides)
    return PolicyInput(**values)


def _rows(*pairs: tuple[str, str]) -> list[ConditionRow]:
    return [ConditionRow(k, v) for k, v in pairs]


def _errors(world: World, *pairs: tuple[str, str], **overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        ps.create_policy(
            world.nangang.pk, _input(conditions=_rows(*pairs), **overrides), actor=world.office
        )
    return caught.value.errors


def _params(world: World, kind: str, value: str) -> dict[str, Any]:
    return ps.parse_condition(kind, value, ps.street_units(world.nangang.pk))


# --- condition kinds ---------------------------------------------------------------------


def test_industry_codes_are_normalised_with_or_without_the_section_letter(world: World) -> None:
    assert _params(world, "industry_any", "6513、I65，c13") == {"codes": ["I6513", "I65", "C13"]}
    assert _params(world, "industry_none", "i") == {"codes": ["I"]}


def test_unknown_industry_code_is_refused_naming_it_beside_its_row(world: World) -> None:
    errors = _errors(world, ("size_in", "小型"), ("industry_any", "I65、6514"))
    assert errors == {"conditions-1": "行业代码6514不存在"}
    assert not Policy.objects.exists()


def test_sizes_streets_and_qualifications(world: World) -> None:
    street = org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    org_services.ensure_unit(world.hulan, "兰河街道", kind="street")
    assert _params(world, "size_in", "微型、小型") == {"sizes": ["small", "micro"]}
    assert _params(world, "street_in", "花园街道") == {"streets": [street.pk]}
    with pytest.raises(ValueError, match="兰河街道"):  # another district's street
        _params(world, "street_in", "兰河街道")
    with pytest.raises(ValueError, match="中小型"):
        _params(world, "size_in", "中小型")
    assert _params(world, "qualification_all", "  高新技术企业 、 专精特新中小企业 ") == {
        "names": ["高新技术企业", "专精特新中小企业"]
    }
    with pytest.raises(ValueError, match="过长"):
        _params(world, "qualification_any", "资" * 51)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("employees_min", "-1", "不能为负数"),
        ("revenue_min", "-0.5", "不能为负数"),
        ("tax_min", "abc", "不是数字"),
        ("years_min", "2.5", "应为整数"),
        ("employees_max", "", "请填写数值"),
        ("text", "   ", "请填写条件内容"),
        ("", "I65", "请选择条件类别"),
        ("bogus", "1", "请选择条件类别"),
    ],
)
def test_bad_values_are_refused_with_the_reason(
    world: World, kind: str, value: str, message: str
) -> None:
    errors = _errors(world, (kind, value))
    assert message in errors["conditions-0"]


def test_numbers_and_text(world: World) -> None:
    assert _params(world, "revenue_min", "500") == {"value": 500}
    assert _params(world, "revenue_max", "1,000.50") == {"value": "1000.5"}
    assert _params(world, "years_max", "3") == {"value": 3}
    assert _params(world, "employees_min", "0") == {"value": 0}
    assert _params(world, "text", " 近三年无重大安全事故\n和环保处罚 ") == {
        "text": "近三年无重大安全事故 和环保处罚"
    }


def test_a_structured_kind_only_once_text_several_times(world: World) -> None:
    errors = _errors(world, ("size_in", "小型"), ("text", "甲"), ("size_in", "微型"))
    assert "每类条件只填一行" in errors["conditions-2"]
    policy = ps.create_policy(
        world.nangang.pk,
        _input(conditions=_rows(("text", "甲"), ("", ""), ("text", "乙"))),
        actor=world.office,
    )
    assert [c.params for c in policy.conditions.all()] == [{"text": "甲"}, {"text": "乙"}]


# --- the policy's fields and the 免申即享 rule ----------------------------------------------


def test_fields_are_checked(world: World) -> None:
    errors = _errors(
        world,
        title=" ",
        level="county",
        benefit="gift",
        valid_from=dt.date(2025, 1, 2),
        valid_until=dt.date(2025, 1, 1),
        source_url="javascript:alert(1)",
    )
    assert set(errors) == {"title", "level", "benefit", "valid_until", "source_url"}


def test_no_apply_needs_structured_conditions_only(world: World) -> None:
    assert "至少有一个" in _errors(world, no_apply=True)["no_apply"]
    errors = _errors(world, ("size_in", "小型"), ("text", "需现场核查"), no_apply=True)
    assert "文字条件" in errors["no_apply"]
    policy = ps.create_policy(
        world.nangang.pk,
        _input(no_apply=True, conditions=_rows(("size_in", "小型"), ("revenue_min", "100"))),
        actor=world.office,
    )
    assert policy.no_apply and policy.status == PolicyStatus.DRAFT


def test_create_is_audited_and_office_only(world: World) -> None:
    policy = ps.create_policy(
        world.nangang.pk, _input(conditions=_rows(("industry_any", "65"))), actor=world.office
    )
    event = AuditEvent.objects.get(action="enterprise.policy_create")
    assert event.target_id == str(policy.pk)
    assert event.changes["conditions"][1] == [
        {"kind": "industry_any", "params": {"codes": ["I65"]}}
    ]
    for user in (world.editor_a, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            ps.create_policy(world.nangang.pk, _input(), actor=user)
    # the city office keeps its districts' libraries
    ps.create_policy(world.nangang.pk, _input(title="市级"), actor=world.city_office)


# --- edits, versions, publishing ----------------------------------------------------------


def test_stale_edit_is_refused_not_overwritten(world: World) -> None:
    policy = ps.create_policy(world.nangang.pk, _input(), actor=world.office)
    ps.update_policy(policy, _input(title="新名称"), version=1, actor=world.office)
    with pytest.raises(StaleEdit):
        ps.update_policy(policy, _input(title="旧表单"), version=1, actor=world.office)
    policy.refresh_from_db()
    assert policy.title == "新名称" and policy.version == 2


def test_an_unchanged_edit_writes_nothing(world: World) -> None:
    policy = ps.create_policy(
        world.nangang.pk, _input(conditions=_rows(("size_in", "小型"))), actor=world.office
    )
    same = ps.update_policy(
        policy, _input(conditions=_rows(("size_in", "小型"))), version=1, actor=world.office
    )
    assert same.version == 1
    assert not AuditEvent.objects.filter(action="enterprise.policy_update").exists()


def _tasks() -> list[Any]:
    return [
        r.args_kwargs["args"]
        for r in DBTaskResult.objects.filter(task_path__endswith="match_policy_task")
    ]


def test_publish_sets_hash_and_enqueues_matching_on_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    policy = ps.create_policy(
        world.nangang.pk,
        _input(conditions=_rows(("revenue_min", "500"))),
        actor=world.office,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        published = ps.publish_policy(policy, version=1, actor=world.office)
    assert len(callbacks) == 1
    assert _tasks() == [[policy.pk]]
    assert published.status == PolicyStatus.PUBLISHED and published.published_at is not None
    assert len(published.content_hash) == 64
    assert AuditEvent.objects.filter(action="enterprise.policy_publish").count() == 1


def test_published_policy_matches_when_the_task_runs(world: World) -> None:
    rich = Enterprise.objects.create(
        jurisdiction=world.nangang, uscc="91230103000000001X", name="甲", revenue=Decimal(800)
    )
    Enterprise.objects.create(
        jurisdiction=world.nangang, uscc="91230103000000002X", name="乙", revenue=Decimal(10)
    )
    policy = ps.create_policy(
        world.nangang.pk, _input(conditions=_rows(("revenue_min", "500"))), actor=world.office
    )
    published = ps.publish_policy(policy, actor=world.office)
    from shishi.enterprise.matches import match_policy_task

    match_policy_task.call(published.pk)
    assert list(Match.objects.values_list("enterprise_id", "verdict")) == [(rich.pk, "eligible")]


def test_changed_conditions_of_a_published_policy_are_matched_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    policy = ps.create_policy(
        world.nangang.pk, _input(conditions=_rows(("size_in", "小型"))), actor=world.office
    )
    policy = ps.publish_policy(policy, actor=world.office)
    before = policy.content_hash
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = ps.update_policy(
            policy,
            _input(guide="线上申报", conditions=_rows(("size_in", "小型"))),
            version=policy.version,
            actor=world.office,
        )
    assert callbacks == []  # the guide is no condition: nothing to match again
    assert policy.content_hash == before
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = ps.update_policy(
            policy,
            _input(guide="线上申报", conditions=_rows(("size_in", "小型、微型"))),
            version=policy.version,
            actor=world.office,
        )
    assert len(callbacks) == 1
    assert policy.content_hash != before
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = ps.update_policy(
            policy,
            _input(
                guide="线上申报",
                conditions=_rows(("size_in", "小型、微型")),
                valid_until=dt.date(2030, 1, 1),
            ),
            version=policy.version,
            actor=world.office,
        )
    assert len(callbacks) == 1


def test_unpublish_and_expire_drop_matches_on_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    policy = ps.publish_policy(
        ps.create_policy(world.nangang.pk, _input(), actor=world.office), actor=world.office
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = ps.unpublish_policy(policy, version=policy.version, actor=world.office)
    assert policy.status == PolicyStatus.DRAFT and len(callbacks) == 1
    with pytest.raises(StaleEdit):
        ps.expire_policy(policy, version=policy.version - 1, actor=world.office)
    policy = ps.expire_policy(policy, version=policy.version, actor=world.office)
    assert policy.status == PolicyStatus.EXPIRED


# --- the source file -----------------------------------------------------------------------


def test_source_file_pdf_kept_and_bad_files_refused(world: World, settings: Any) -> None:
    settings.SHISHI_MAX_UPLOAD_BYTES = 1024
    pdf = SimpleUploadedFile("原文.pdf", b"%PDF-1.4\n...", content_type="application/pdf")
    policy = ps.create_policy(world.nangang.pk, _input(source_file=pdf), actor=world.office)
    assert policy.source_file.name.endswith(".pdf")
    assert policy.source_file.read().startswith(b"%PDF")
    policy.source_file.close()
    bad = {
        "a.exe": b"MZ....",
        "fake.pdf": b"<html>",
        "fake.docx": b"hello",
        "big.pdf": b"%PDF-" + b"x" * 2000,
        "fake.png": b"\x89PNG....",
    }
    for name, content in bad.items():
        errors = _errors(world, source_file=SimpleUploadedFile(name, content))
        assert "source_file" in errors, name
    policy = ps.update_policy(
        policy, _input(remove_source_file=True), version=policy.version, actor=world.office
    )
    assert not policy.source_file
