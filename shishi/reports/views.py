"""The reports pages: the office's cycles and period overviews, the units' submissions.

Thin views: parse, call one selector or service, render (service errors become pages as in
the ledger's views).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.forms import submit, with_version
from shishi.reports import chasing, permissions, selectors, services
from shishi.reports import forms as report_forms
from shishi.reports import periods as period_rules
from shishi.reports.models import Period, Submission


def _submission_url(submission: Submission) -> str:
    return reverse("reports:submission", args=[submission.pk])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The office's cycles with their latest periods; a unit's submissions."""
    cycles = list(selectors.office_cycles(request.user))
    latest = selectors.period_counts(
        Period.objects.filter(cycle__in=cycles).select_related("cycle").order_by("-start")[:50]
    )
    context = {
        "cycles": cycles,
        "latest": latest,
        "submissions": list(selectors.my_submissions(request.user)[:100]),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "reports/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_cycle(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    status = 200
    if request.method == "POST":
        form = report_forms.OpenPeriodForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            opened = services.open_period(found, c["period"], actor=request.user)
            messages.success(
                request,
                _("%(label)s已开启，新发起%(n)s份报送")
                % {"label": opened.period.label, "n": opened.created},
            )

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("reports:cycle", pk=found.pk)
        status = outcome.status
    else:
        current = period_rules.period_of(timezone.localdate(), found.cadence)
        form = report_forms.OpenPeriodForm(initial={"period": current.key})
    context = {
        "cycle": found,
        "form": form,
        "periods": selectors.period_counts(found.periods.order_by("-start")),
        "sections": list(found.sections.all()),
        "figures": list(found.figures.all()),
        "units": list(found.units.order_by("name")),
        "punctuality": chasing.punctuality(found),
    }
    return TemplateResponse(request, "reports/cycle.html", context, status=status)


@login_required
def period(request: HttpRequest, pk: int) -> HttpResponse:
    found = Period.objects.select_related("cycle__programme").filter(pk=pk).first()
    if found is None or not permissions.is_office(request.user, found.cycle.jurisdiction_id):
        raise NotFound("没有找到这一期")
    overview = selectors.period_overview(request.user, found)
    context = {"period": found, "cycle": found.cycle, "overview": overview}
    return TemplateResponse(request, "reports/period.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    found = permissions.access_submission(user, pk)
    page = selectors.submission_page(user, found)
    status = 200
    stale = ""
    if request.method == "POST":
        form = report_forms.SubmissionForm(page, request.POST, request.FILES)

        def save(c: dict[str, Any]) -> None:
            saved = services.save_draft(
                found, form.draft(), actor=user, expected_version=c["version"]
            )
            if c["action"] == "submit":
                saved = services.submit(
                    saved, actor=user, expected_version=saved.version, files=form.uploads()
                )
            elif c["action"] == "sign_off":
                saved = services.sign_off(
                    saved, actor=user, expected_version=saved.version, files=form.uploads()
                )
            messages.success(request, _status_message(saved, c["action"]))

        outcome = submit(form, save)
        if outcome.saved:
            return redirect(_submission_url(found))
        status, stale = outcome.status, outcome.stale_message
        if stale:
            found = permissions.access_submission(user, pk)
            page = selectors.submission_page(user, found)
            form = report_forms.SubmissionForm(page, with_version(request.POST, found.version))
    else:
        form = report_forms.SubmissionForm(page)
    context = {
        "submission": found,
        "period": found.period,
        "cycle": found.period.cycle,
        "page": page,
        "form": form,
        "rows": form.bound_rows(),
        "return_form": report_forms.ReturnForm(initial={"version": found.version}),
        "stale_message": stale,
        "can_return": _can_return(user, found),
        "chases": chasing.chases_of(found),
    }
    return TemplateResponse(request, "reports/submission.html", context, status=status)


def _can_return(user: Any, found: Submission) -> bool:
    if found.status == Submission.Status.SUBMITTED:
        return permissions.is_office(user, found.jurisdiction_id)
    if found.status == Submission.Status.AWAITING_SIGN_OFF:
        return permissions.can_sign_off(user, found)
    return False


def _status_message(saved: Submission, action: str) -> str:
    if saved.status == Submission.Status.SUBMITTED:
        return _("已报送专班")
    if saved.status == Submission.Status.AWAITING_SIGN_OFF and action != "save":
        return _("已提交单位负责人审核")
    return _("草稿已保存")


@login_required
@require_POST
def return_submission(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_submission(request.user, pk)
    form = report_forms.ReturnForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.return_submission(
            found, actor=request.user, comment=c["comment"], expected_version=c["version"]
        )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已退回"))
    else:
        messages.error(request, outcome.stale_message or _("退回未成功：请填写退回意见"))
    return redirect(_submission_url(found))


# --- chasing (催报) --------------------------------------------------------------------------


@login_required
@require_POST
def chase_submission(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's 催报 button on a submission (403 for anyone else who may see it)."""
    found = permissions.access_submission(request.user, pk)
    try:
        n = chasing.chase_submission(found, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已催报%(n)s个单位") % {"n": n})
    return redirect(_submission_url(found))


@login_required
@require_POST
def chase_period(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's 催报 button on a period: every unit whose report is not with the office."""
    found = chasing.access_period(request.user, pk)
    n = chasing.chase_period(found, actor=request.user)
    if n:
        messages.success(request, _("已催报%(n)s个单位") % {"n": n})
    else:
        messages.info(request, _("各单位均已报送，无需催报"))
    return redirect("reports:period", pk=found.pk)
