"""The office's warning rules: the one board write a person makes (checked, validated,
audited); the programme is reassessed under the new rules on commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.board import permissions
from shishi.board.models import THRESHOLD_FIELDS, WarningThresholds
from shishi.board.services.reassessment import refresh_statuses
from shishi.core import audit
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger.models import Programme


def _validate_thresholds(values: dict[str, int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    bounds = {
        "behind_points": (1, 100),
        "seriously_behind_points": (1, 100),
        "ahead_points": (1, 100),
        "stale_yellow_days": (1, 365),
        "stale_red_days": (1, 365),
        "not_started_yellow_months": (0, 24),
        "not_started_red_months": (0, 24),
        "forecast_window_days": (14, 365),
    }
    for name, (low, high) in bounds.items():
        if not low <= values[name] <= high:
            errors[name] = f"应在{low}到{high}之间"
    if not errors:
        if values["seriously_behind_points"] < values["behind_points"]:
            errors["seriously_behind_points"] = "严重滞后的百分点不能小于滞后的百分点"
        if values["stale_red_days"] < values["stale_yellow_days"]:
            errors["stale_red_days"] = "红灯天数不能小于黄灯天数"
        if values["not_started_red_months"] < values["not_started_yellow_months"]:
            errors["not_started_red_months"] = "红灯月数不能小于黄灯月数"
    return errors


def set_thresholds(
    programme: Programme, *, actor: Any, expected_version: int | None, **values: Any
) -> WarningThresholds:
    """Set the programme's warning rules (programme office or city office only).

    Unknown fields, non-numbers and out-of-range or contradictory values are refused with
    every bad field named; a stale ``expected_version`` (0 while the defaults apply) is
    refused. On commit the programme's statuses are reassessed under the new rules.
    """
    if not permissions.can_set_thresholds(actor, programme):
        raise PermissionDenied("只有专班可以设置预警规则")
    unknown = sorted(set(values) - set(THRESHOLD_FIELDS))
    if unknown:
        raise ValidationFailed(f"不能设置字段：{', '.join(unknown)}")
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            errors[name] = "请填写整数"
            continue
        clean[name] = number
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with transaction.atomic():
        row = WarningThresholds.objects.select_for_update().filter(programme=programme).first()
        version = row.version if row else 0
        if expected_version is not None and expected_version != version:
            raise StaleEdit(
                f"预警规则已被他人修改（当前版本 {version}，您编辑的是版本 {expected_version}），"
                "请刷新后重新填写"
            )
        base = row or WarningThresholds(programme=programme)
        before = {f: getattr(base, f) for f in THRESHOLD_FIELDS}
        after = {**before, **clean}
        errors = _validate_thresholds(after)
        if errors:
            raise ValidationFailed("；".join(errors.values()), errors)
        if row is None:
            row = WarningThresholds.objects.create(
                programme=programme, jurisdiction_id=programme.jurisdiction_id, **after
            )
        else:
            updated = WarningThresholds.objects.filter(pk=row.pk, version=version).update(
                version=version + 1, updated_at=timezone.now(), **after
            )
            if updated != 1:
                raise StaleEdit("预警规则已被他人修改，请刷新后重新填写")
            row.refresh_from_db()
        changes = audit.diff(before, after)
        audit.record(
            actor=actor,
            action="board.thresholds",
            target=row,
            changes=changes,
            jurisdiction_id=programme.jurisdiction_id,
        )
        programme_id = programme.pk
        transaction.on_commit(lambda: refresh_statuses(programme_id))
    return row
