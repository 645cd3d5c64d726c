"""The matches and push pages (thin: parse, one selector or service, render): a policy's
matched enterprises with the push button, the push log, and the public read-receipt page a
pushed link opens (no login; throttled per client; unknown token 404; no personal data)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.ratelimit import rate_limited
from shishi.enterprise import push, push_selectors
from shishi.enterprise.models import Verdict

VERDICT_FILTERS = {
    "": gettext_lazy("全部"),
    Verdict.ELIGIBLE.value: gettext_lazy("符合"),
    Verdict.POSSIBLE.value: gettext_lazy("可能符合"),
}


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def policy_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """The policy's eligible and possible enterprises, whether pushed and read."""
    policy = push_selectors.access_policy(request.user, pk)
    verdict = request.GET.get("verdict", "")
    if verdict not in VERDICT_FILTERS:
        verdict = ""
    page = push_selectors.policy_matches(policy, verdict=verdict, page=request.GET.get("page"))
    return TemplateResponse(
        request,
        "enterprise/push/policy_matches.html",
        {
            "policy": policy,
            "counts": push_selectors.match_counts(policy),
            "verdict": verdict,
            "verdicts": VERDICT_FILTERS,
            "page": page,
            "paginator": page.paginator,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "rows": page.object_list,
            "query": _query(request),
        },
    )


@login_required
@require_POST
def policy_push(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Push the policy to its eligible enterprises not yet pushed (and the possible ones
    when the box is ticked)."""
    policy = push_selectors.access_policy(request.user, pk)
    verdicts = [Verdict.ELIGIBLE.value]
    if request.POST.get("possible"):
        verdicts.append(Verdict.POSSIBLE.value)
    try:
        made = push.push_policy(policy, actor=request.user, verdicts=verdicts)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("enterprise:policy_matches", pk=policy.pk)
    if made:
        messages.success(
            request, _("已推送给%(n)d家企业，短信、邮件和站内消息正在发送") % {"n": made}
        )
    else:
        messages.info(request, _("没有需要推送的企业：符合条件的企业都已推送过"))
    return redirect("enterprise:policy_matches", pk=policy.pk)


@login_required
@require_GET
def pushes(request: HttpRequest) -> HttpResponse:
    """Per policy, pushed/sent/read; the pushes filtered by policy, state and enterprise."""
    state = request.GET.get("state", "")
    filters = push_selectors.PushFilters(
        policy=_int(request.GET.get("policy")),
        state=state if state in push_selectors.PUSH_STATES else "",
        q=(request.GET.get("q") or "")[: push_selectors.MAX_QUERY],
    )
    summary = push_selectors.push_summary(request.user)
    page = push_selectors.push_page(request.user, filters, request.GET.get("page"))
    return TemplateResponse(
        request,
        "enterprise/push/pushes.html",
        {
            "summary": summary,
            "filters": filters,
            "states": push_selectors.PUSH_STATES,
            "page": page,
            "paginator": page.paginator,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "rows": page.object_list,
            "query": _query(request),
        },
    )


@require_GET
@rate_limited("policy_read")
def policy_read(request: HttpRequest, token: str) -> HttpResponse:
    """The pushed policy, its read recorded the first time."""
    try:
        found = push.record_read(token)
    except NotFound:
        response = TemplateResponse(
            request, "enterprise/push/read.html", {"found": None}, status=404
        )
    else:
        response = TemplateResponse(
            request, "enterprise/push/read.html", {"found": push_selectors.read_page(found)}
        )
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response
