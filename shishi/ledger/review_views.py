"""The office's review queue (待审核): units' updates waiting to be published, published in
bulk or sent back with a comment; and the programme's review settings. Thin: they parse,
call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import Outcome, submit
from shishi.ledger import permissions, review_forms, services
from shishi.ledger.selectors import review_jurisdiction_ids, review_page
from shishi.ledger.selectors.review import access_pending_update

NOT_REVIEWER = "只有专班可以审核单位进展"


def _require_reviewer(request: HttpRequest) -> None:
    if not review_jurisdiction_ids(request.user):
        raise errors.PermissionDenied(NOT_REVIEWER)


def _queue_context(request: HttpRequest, data: Any) -> dict[str, Any]:
    filters, page = review_forms.parse_review_query(data)
    queue = review_page(request.user, filters, page=page, per_page=review_forms.PER_PAGE)
    query = data.copy()
    query.pop("page", None)
    return {
        "queue": queue,
        "filters": filters,
        "age_choices": review_forms.AGE_CHOICES,
        "page": queue.page,
        "page_range": queue.page.paginator.get_elided_page_range(queue.page.number),
        "querystring": query.urlencode(),
    }


def _queue_response(request: HttpRequest, data: Any, *, error: str = "", status: int = 200) -> Any:
    context = _queue_context(request, data)
    context["action_error"] = error
    return TemplateResponse(request, "ledger/review.html", context, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the queue with the filters it was posted from."""
    url = reverse("ledger:review")
    query = request.POST.get("query", "")
    target = f"{url}?{query}" if query else url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = url
    return redirect(target)


def _posted_query(request: HttpRequest) -> QueryDict:
    return QueryDict(request.POST.get("query", "")[:2000])


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    return _queue_response(request, request.GET)


@require_POST
@login_required
def review_publish(request: HttpRequest) -> HttpResponse:
    """Publish the ticked updates (all or nothing)."""
    _require_reviewer(request)
    form = review_forms.PublishForm(request.POST)
    if not form.is_valid():
        message = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return _queue_response(request, _posted_query(request), error=message, status=422)
    try:
        published = services.publish_updates(
            form.cleaned_data["updates"],
            actor=request.user,
            with_photos=form.cleaned_data["with_photos"],
        )
    except (errors.ValidationFailed, errors.NotFound) as exc:
        status = 404 if isinstance(exc, errors.NotFound) else 422
        return _queue_response(request, _posted_query(request), error=exc.message, status=status)
    n = len(published)
    messages.success(request, ngettext("已公开 %(n)d 条进展", "已公开 %(n)d 条进展", n) % {"n": n})
    return _back(request)


@require_POST
@login_required
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Send one update back to its unit with a comment."""
    _require_reviewer(request)
    update = access_pending_update(request.user, pk)
    form = review_forms.RejectForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.reject_update(update, actor=request.user, comment=comment)
    except errors.ValidationFailed as exc:
        return _queue_response(request, _posted_query(request), error=exc.message, status=422)
    messages.success(request, _("已退回，单位将在事项页看到退回意见"))
    return _back(request)


@require_http_methods(["GET", "POST"])
@login_required
def review_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Whether units' updates wait for review, and when a rise needs evidence."""
    programme = permissions.access_programme(request.user, pk, manage=True)
    initial = {"auto_publish": programme.auto_publish, "evidence_step": programme.evidence_step}
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = review_forms.ReviewSettingsForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            services.set_programme_review(
                programme,
                actor=request.user,
                auto_publish=c["auto_publish"],
                evidence_step=c["evidence_step"],
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("审核设置已保存"))
            return redirect(reverse("ledger:review") + f"?programme={programme.pk}")
    else:
        form = review_forms.ReviewSettingsForm(initial=initial)
    context = {"programme": programme, "form": form}
    return TemplateResponse(request, "ledger/review_settings.html", context, status=outcome.status)
