"""Who may do what with cycles and submissions (on top of ``orgs.permissions``).

- The programme office of the district (or the city office over it) defines cycles, opens
  periods, sees every submission, returns one, chases.
- A unit's editors read and draft their unit's submissions; its head (单位负责人) also signs
  them off. Nobody else sees a unit's submission (a unit sees only its own).
"""

from __future__ import annotations

from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.orgs.permissions import scope_for
from shishi.reports.models import Cycle, Period, ReportVersion, Submission


def is_office(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).is_office_for(jurisdiction_id)


def can_read_submission(user: Any, submission: Submission) -> bool:
    scope = scope_for(user)
    return (
        scope.is_office_for(submission.jurisdiction_id)
        or scope.edits_unit(submission.unit_id)
        or submission.unit_id in scope.viewer_unit_ids
    )


def can_draft(user: Any, submission: Submission) -> bool:
    """Edit the unit's text: its editors and head, while it is with the unit."""
    return scope_for(user).edits_unit(submission.unit_id) and submission.status in (
        Submission.Status.DRAFT,
        Submission.Status.RETURNED,
        Submission.Status.AWAITING_SIGN_OFF,
    )


def can_sign_off(user: Any, submission: Submission) -> bool:
    return scope_for(user).heads_unit(submission.unit_id)


def access_submission(user: Any, pk: int) -> Submission:
    """The submission, or NotFound when it does not exist or the user may not see it."""
    submission = Submission.objects.select_related("period__cycle", "unit").filter(pk=pk).first()
    if submission is None or not can_read_submission(user, submission):
        raise NotFound("没有找到这份报送")
    return submission


def access_cycle(user: Any, pk: int) -> Cycle:
    cycle = Cycle.objects.select_related("programme", "jurisdiction").filter(pk=pk).first()
    if cycle is None or not scope_for(user).can_read_jurisdiction(cycle.jurisdiction_id):
        raise NotFound("没有找到这个反馈机制")
    return cycle


def require_office(user: Any, jurisdiction_id: int) -> None:
    if not is_office(user, jurisdiction_id):
        raise PermissionDenied("只有专班可以进行此操作")


def access_office_period(user: Any, pk: int) -> Period:
    """The period, or NotFound when it does not exist or the user is not its office."""
    period = (
        Period.objects.select_related("cycle__programme", "cycle__jurisdiction")
        .filter(pk=pk)
        .first()
    )
    if period is None or not is_office(user, period.cycle.jurisdiction_id):
        raise NotFound("没有找到这一期")
    return period


def access_report_version(user: Any, pk: int) -> ReportVersion:
    """A compiled report's version, or NotFound (missing, or not the user's office)."""
    version = ReportVersion.objects.select_related("report__period__cycle").filter(pk=pk).first()
    if version is None or not is_office(user, version.report.jurisdiction_id):
        raise NotFound("没有找到这份报告")
    return version
