"""Pages of change requests (调整申请): the unit's request form, the office's queue and its
decisions. Thin: they parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import Outcome, submit
from shishi.core.http import stored_file_response
from shishi.ledger import change_forms, permissions, services
from shishi.ledger.models import ChangeRequest
from shishi.ledger.selectors import access_change_request, change_request_page, edit_choices
from shishi.ledger.selectors.changes import change_request_file, may_decide, may_withdraw
from shishi.ledger.views import _item_page_with_error

QUEUE_URL = "ledger:change_requests"


def _choices(request: HttpRequest, item: Any) -> dict[str, Any]:
    choices = edit_choices(request.user, item)
    return {"units": choices["units"], "people": choices["people"]}


@require_http_methods(["GET", "POST"])
@login_required
def change_request_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead unit's request: the item's fields prefilled, a reason, optional files."""
    user = request.user
    item = permissions.access_item(user, pk)
    if not permissions.can_request_change(user, item):
        raise errors.PermissionDenied(
            _("只有牵头单位的填报人员可以提交调整申请（专班可直接编辑事项）")
        )
    prefetch_related_objects([item], "sponsor_leaders", "partner_units")
    initial = change_forms.change_initial(item)
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = change_forms.ChangeRequestForm(
            request.POST, request.FILES, initial=initial, **_choices(request, item)
        )

        def save(c: dict[str, Any]) -> None:
            services.file_change_request(
                item, actor=user, changes=form.changes(), reason=c["reason"], files=c["attachments"]
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("调整申请已提交，请等待专班审批"))
            return redirect(reverse("ledger:item", args=[item.pk]))
    else:
        form = change_forms.ChangeRequestForm(initial=initial, **_choices(request, item))
    context = {"item": item, "programme": item.programme, "form": form}
    return TemplateResponse(request, "ledger/change_form.html", context, status=outcome.status)


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    data = request.GET.copy()
    data.setdefault("status", ChangeRequest.Status.PENDING)
    query = change_forms.QueueQueryForm(data)
    query.is_valid()
    cleaned = getattr(query, "cleaned_data", {})
    status = cleaned.get("status") if "status" not in query.errors else "pending"
    page = change_request_page(
        request.user,
        status=status or "",
        unit_id=cleaned.get("unit"),
        page=cleaned.get("page") or 1,
    )
    return {
        "queue": page,
        "rows": [
            {
                "view": row,
                "may_decide": may_decide(request.user, row.request),
                "may_withdraw": may_withdraw(request.user, row.request),
            }
            for row in page.rows
        ],
        "statuses": ChangeRequest.Status.choices,
        "page": page.page,
        "paginator": page.page.paginator,
        "page_range": page.page.paginator.get_elided_page_range(page.page.number),
    }


@require_GET
@login_required
def change_request_queue(request: HttpRequest) -> HttpResponse:
    """The office's queue (pending first, oldest first) or a unit's own requests."""
    return TemplateResponse(request, "ledger/change_queue.html", _queue_context(request))


def _after(request: HttpRequest, cr: ChangeRequest, form: Any) -> HttpResponse:
    if form.is_valid() and form.cleaned_data.get("next") == "item":
        return redirect(reverse("ledger:item", args=[cr.item_id]))
    return redirect(reverse(QUEUE_URL))


def _refused(
    request: HttpRequest, cr: ChangeRequest, form: Any, message: str, status: int
) -> HttpResponse:
    """A decision that did not go through: the page it came from, with the reason."""
    if form.is_valid() and form.cleaned_data.get("next") == "item":
        return _item_page_with_error(request, cr.item_id, message, status=status)
    context = _queue_context(request)
    context["action_error"] = message
    return TemplateResponse(request, "ledger/change_queue.html", context, status=status)


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    cr = access_change_request(request.user, pk)
    form = change_forms.DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if approve:
            services.approve_change_request(cr, actor=request.user, comment=comment)
        else:
            services.reject_change_request(cr, actor=request.user, comment=comment)
    except errors.StaleEdit as exc:
        return _refused(request, cr, form, exc.message, 409)
    except errors.ValidationFailed as exc:
        return _refused(request, cr, form, exc.message, 422)
    messages.success(request, _("已批准调整申请，事项已更新") if approve else _("已驳回调整申请"))
    return _after(request, cr, form)


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@require_POST
@login_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    cr = access_change_request(request.user, pk)
    form = change_forms.DecisionForm(request.POST)
    try:
        services.withdraw_change_request(cr, actor=request.user)
    except errors.ValidationFailed as exc:
        return _refused(request, cr, form, exc.message, 422)
    messages.success(request, _("调整申请已撤回"))
    return _after(request, cr, form)


@require_GET
@login_required
def change_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    """A file of a change request, to the office and the requesting unit."""
    cr = access_change_request(request.user, pk)
    found = change_request_file(cr, file_pk)
    if found is None or not found.file:
        raise errors.NotFound(_("附件不存在"))
    return stored_file_response(found.file, found.name, found.content_type)
