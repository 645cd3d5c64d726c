"""The 免申即享 payout pages (thin): the no-apply policies with their totals, one policy's
payouts (list them from the eligible matches, download the sheet for the paying department),
a payout's decision (paid or refused) with the version check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import ValidationFailed
from shishi.core.forms import submit, with_version
from shishi.enterprise import payout_selectors as selectors
from shishi.enterprise import payouts as services
from shishi.enterprise.models import PayoutStatus
from shishi.enterprise.payout_forms import DecisionForm


@login_required
@require_GET
def payouts(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "enterprise/payouts/index.html",
        {"policies": selectors.no_apply_policies(request.user)},
    )


@login_required
@require_GET
def policy_payouts(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.access_policy(request.user, pk)
    status = request.GET.get("status", "")
    if status not in PayoutStatus.values:
        status = ""
    q = (request.GET.get("q") or "")[:100]
    page = selectors.payout_page(policy, status=status, q=q, page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "enterprise/payouts/policy.html",
        {
            "policy": policy,
            "totals": selectors.policy_totals(policy),
            "status": status,
            "statuses": PayoutStatus.choices,
            "q": q,
            "page": page,
            "paginator": page.paginator,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "rows": page.object_list,
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
def list_payouts(request: HttpRequest, pk: int) -> HttpResponseBase:
    policy = selectors.access_policy(request.user, pk)
    made = services.list_payouts(policy, actor=request.user)
    if made:
        messages.success(request, _("已列入兑现清单%(n)d家企业") % {"n": made})
    else:
        messages.info(request, _("没有新的符合条件企业：已全部列入兑现清单"))
    return redirect("enterprise:policy_payouts", pk=policy.pk)


@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The sheet for the paying department (marks the listed ones handed; audited)."""
    policy = selectors.access_policy(request.user, pk)
    try:
        sheet = services.export_payouts(
            policy, actor=request.user, fmt=request.POST.get("format") or "xlsx"
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("enterprise:policy_payouts", pk=policy.pk)
    response = HttpResponse(sheet.content, content_type=sheet.content_type)
    response["Content-Disposition"] = f'attachment; filename="{sheet.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, pk: int, form: Any = None, status: int = 200) -> TemplateResponse:
    payout = services.access_payout(request.user, pk)
    if form is None:
        form = DecisionForm(
            initial={
                "decision": "refused" if payout.status == PayoutStatus.REFUSED else "paid",
                "amount": payout.amount if payout.amount is not None else "",
                "paid_on": payout.paid_on,
                "department": payout.department,
                "note": payout.note,
                "version": payout.version,
            }
        )
    return TemplateResponse(
        request,
        "enterprise/payouts/payout.html",
        {"payout": payout, "policy": payout.policy, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def payout(request: HttpRequest, pk: int) -> HttpResponseBase:
    if request.method != "POST":
        return _page(request, pk)
    current = services.access_payout(request.user, pk)
    form = DecisionForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        if c["decision"] == "paid":
            services.record_paid(
                current,
                actor=request.user,
                amount=c.get("amount") or "",
                paid_on=c.get("paid_on"),
                department=c.get("department") or "",
                note=c.get("note") or "",
                expected_version=c.get("version"),
            )
        else:
            services.record_refused(
                current,
                actor=request.user,
                note=c.get("note") or "",
                expected_version=c.get("version"),
            )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已记录兑现结果"))
        return redirect("enterprise:policy_payouts", pk=current.policy_id)
    if outcome.stale_message:
        messages.error(request, outcome.stale_message)
        fresh = services.access_payout(request.user, pk)
        form = DecisionForm(with_version(request.POST, fresh.version))
        return _page(request, pk, form=form, status=409)
    return _page(request, pk, form=form, status=outcome.status)
