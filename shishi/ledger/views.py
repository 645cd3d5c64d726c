"""The ledger's web pages: thin views that parse, call one selector or service, render.

Service errors become pages: NotFound → 404, PermissionDenied → 403; ValidationFailed
re-renders the form with the messages (422), StaleEdit re-renders it with the current
values (409).
"""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import Outcome, submit, with_version
from shishi.core.http import (
    content_disposition,
    is_htmx_fragment,
    is_htmx_target,
    stored_file_response,
)
from shishi.ledger import forms as ledger_forms
from shishi.ledger import permissions, plan_forms, services
from shishi.ledger.excel.exporting import write_export
from shishi.ledger.history import describe_history
from shishi.ledger.models import Item, Lifecycle, Programme
from shishi.ledger.selectors import (
    edit_choices,
    item_attachment,
    item_change_requests,
    item_history,
    item_page,
    item_targets,
    ledger_page,
    my_item_groups,
    my_rejected_updates,
    pick_programme,
    visible_programmes,
)
from shishi.ledger.selectors.carry import carried_in_count, carry_links
from shishi.orgs.permissions import scope_for

RESULTS_TARGET = "ledger-results"


def _item_url(item: Item) -> str:
    return reverse("ledger:item", args=[item.pk])


def _list_url(programme: Programme | None = None) -> str:
    url = reverse("ledger:list")
    return f"{url}?{urlencode({'programme': programme.pk})}" if programme else url


# --- the ledger list ----------------------------------------------------------------------


@require_GET
@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    query = ledger_forms.parse_ledger_query(request.GET)
    ledger = ledger_page(request.user, query)
    context: dict[str, Any] = {
        **ledger.context(),
        "query": query,
        "filters": query.filters,
        "lifecycles": Lifecycle.choices,
        "per_page_choices": ledger_forms.PER_PAGE_CHOICES,
    }
    if ledger.programme is None:
        return TemplateResponse(request, "ledger/list.html", context)
    if not is_htmx_target(request, RESULTS_TARGET):
        context["carried_in"] = carried_in_count(ledger.programme)
    template = "ledger/list.html"
    if is_htmx_target(request, RESULTS_TARGET):
        template = "ledger/list.html#results"
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- my items -----------------------------------------------------------------------------


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    own = my_item_groups(request.user)
    context = {
        "programmes": own.programmes,
        "total": own.total,
        "overdue_count": own.overdue_count,
        "rejected": my_rejected_updates(request.user),
    }
    return TemplateResponse(request, "ledger/mine.html", context)


# --- the item page --------------------------------------------------------------------------


def _item_context(request: HttpRequest, item: Item) -> dict[str, Any]:
    page = item_page(
        request.user,
        item,
        all_updates=request.GET.get("updates") == "all",
    )
    return {
        "item": item,
        "programme": item.programme,
        "leaders": page.leaders,
        "partners": page.partners,
        "targets": page.targets,
        "milestones": page.milestones,
        "updates": page.updates,
        "update_count": page.update_count,
        "more_updates": page.more_updates,
        "can_post": page.can_post,
        "can_edit": page.can_edit,
        "can_publish": page.can_close,  # the office: the same people decide what is public
        "can_close_out": page.can_close and item.lifecycle == Lifecycle.DONE,
        "can_reopen": page.can_close and item.lifecycle == Lifecycle.CLOSED_OUT,
        "reopen_form": ledger_forms.ReopenForm(initial={"version": item.version}),
        "close_form": ledger_forms.CloseOutForm(initial={"version": item.version}),
        "carry": carry_links(item),
        "change_requests": item_change_requests(request.user, item),
        "can_request_change": permissions.can_request_change(request.user, item),
        **plan_forms.plan_context(request.user, item),
    }


@require_GET
@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    return TemplateResponse(request, "ledger/item.html", _item_context(request, item))


@require_GET
@login_required
def item_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The item's change history (变更记录): the latest changes as the fragment the item
    page loads into its side panel, or every change as a page of its own (``?all=1``, and
    without script)."""
    item = permissions.access_item(request.user, pk)
    changes = item_history(item, show_all=request.GET.get("all") == "1")
    context = {
        "item": item,
        "history": describe_history(
            changes.events, category_names=changes.category_names, unit_names=changes.unit_names
        ),
        "more_history": changes.more,
    }
    if is_htmx_fragment(request):
        return TemplateResponse(request, "ledger/_history.html#panel", context)
    return TemplateResponse(request, "ledger/history.html", context)


def _item_page_with_error(
    request: HttpRequest, pk: int, message: str, *, status: int, **extra: Any
) -> TemplateResponse:
    item = permissions.access_item(request.user, pk)  # fresh values after a refused change
    context = _item_context(request, item)
    context.update(action_error=message, **extra)
    return TemplateResponse(request, "ledger/item.html", context, status=status)


@require_POST
@login_required
def close_out(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    form = ledger_forms.CloseOutForm(request.POST)
    if not form.is_valid():
        return _item_page_with_error(request, pk, _("提交的内容无效，请重试"), status=422)
    try:
        services.close_out_item(
            item,
            actor=request.user,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except errors.StaleEdit as exc:
        return _item_page_with_error(request, pk, exc.message, status=409)
    except errors.ValidationFailed as exc:
        return _item_page_with_error(request, pk, exc.message, status=422)
    messages.success(request, _("事项已销号"))
    return redirect(_item_url(item))


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    if not permissions.can_close_out(request.user, item):
        raise errors.PermissionDenied("只有专班可以重新打开事项")
    form = ledger_forms.ReopenForm(request.POST)
    if not form.is_valid():
        return _item_page_with_error(
            request, pk, _("请填写重新打开的原因"), status=422, reopen_form=form
        )
    try:
        services.reopen_item(
            item,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except errors.StaleEdit as exc:
        return _item_page_with_error(request, pk, exc.message, status=409, reopen_form=form)
    except errors.ValidationFailed as exc:
        return _item_page_with_error(request, pk, exc.message, status=422, reopen_form=form)
    messages.success(request, _("事项已重新打开"))
    return redirect(_item_url(item))


@require_GET
@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """An attachment of a progress update, to those who may read the item."""
    item = permissions.access_item(request.user, pk)
    found = item_attachment(item, attachment_pk)
    if found is None or not found.file:
        raise errors.NotFound("附件不存在")
    return stored_file_response(found.file, found.name, found.content_type)


# --- progress -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = permissions.access_item(user, pk)
    prefetch_related_objects([item], "partner_units")
    full = permissions.can_post_progress(user, item)
    if not full and not permissions.can_post_note(user, item):
        raise errors.PermissionDenied("只有牵头单位或专班可以填报进展；配合单位只能添加备注")
    note_only = not full
    targets = item_targets(item) if full else []
    outcome = Outcome(saved=False)
    if request.method == "POST":
        held = services.held_files(request.POST.getlist("held"), actor=user)
        # Tokens that are not the user's (forged, another's, expired) are ignored, not errors.
        posted = request.POST.copy()
        posted.setlist("held", [h.token for h in held])
        form = ledger_forms.ProgressForm(
            posted, request.FILES, targets=targets, note_only=note_only, held=held
        )

        def save(c: dict[str, Any]) -> None:
            services.record_progress(
                item,
                actor=user,
                text=c["text"],
                rate=None if note_only else c.get("rate"),
                reported_on=c["reported_on"],
                target_actuals=form.target_actuals() or None,
                done_investment=None if note_only else form.done_investment_yuan(),
                attachments=c["attachments"],
                held=[h for h in held if h.token in set(c["held"])],
                expected_version=c["version"],
                as_note=note_only,
                reason=c.get("reason") or "",
            )

        outcome = submit(form, save)
        if outcome.saved:
            if note_only:
                messages.success(request, _("备注已添加"))
            elif permissions.can_review(user, item.jurisdiction_id):
                messages.success(request, _("进展已填报并公开"))
            else:
                messages.success(request, _("进展已填报，待专班审核后公开"))
            return redirect(_item_url(item))
        # Refused: the files chosen are kept, so the corrected form need not upload them again.
        kept = held + services.hold_uploads(request.FILES.getlist("attachments"), actor=user)
        data = request.POST.copy()
        data.setlist("held", [h.token for h in kept])
        if outcome.stale_message:
            item = permissions.access_item(user, pk)
            data = with_version(data, item.progress_version)
            form = ledger_forms.ProgressForm(data, targets=targets, note_only=note_only, held=kept)
        else:
            form.keep(data, kept)
    else:
        form = ledger_forms.ProgressForm(
            initial=ledger_forms.progress_initial(item), targets=targets, note_only=note_only
        )
    context = {
        "item": item,
        "programme": item.programme,
        "form": form,
        "note_only": note_only,
        "stale_message": outcome.stale_message,
        "closed": item.lifecycle == Lifecycle.CLOSED_OUT,
        "can_publish": permissions.can_review(user, item.jurisdiction_id),
        "evidence_step": item.programme.evidence_step,
    }
    return TemplateResponse(request, "ledger/progress_form.html", context, status=outcome.status)


# --- editing --------------------------------------------------------------------------------


def _edit_form(request: HttpRequest, item: Item, data: Any = None) -> ledger_forms.EditItemForm:
    user = request.user
    return ledger_forms.EditItemForm(
        data,
        initial=None if data is not None else ledger_forms.edit_initial(item),
        **edit_choices(user, item),
        may_change_lead_unit=scope_for(user).is_office_for(item.jurisdiction_id),
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = permissions.access_item(user, pk, write=True)
    if not permissions.can_edit_item(user, item):
        raise errors.PermissionDenied(permissions.ASK_FOR_CHANGE)
    prefetch_related_objects([item], "sponsor_leaders", "partner_units")
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = _edit_form(request, item, request.POST)

        def save(c: dict[str, Any]) -> None:
            services.update_item(
                item,
                actor=user,
                expected_version=c["version"],
                sponsor_leaders=list(c["sponsor_leaders"]),
                partner_units=list(c["partner_units"]),
                **form.changes(),
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("事项已保存"))
            return redirect(_item_url(item))
        if outcome.stale_message:
            item = permissions.access_item(user, pk, write=True)
            prefetch_related_objects([item], "sponsor_leaders", "partner_units")
            form = _edit_form(request, item, with_version(request.POST, item.version))
    else:
        form = _edit_form(request, item)
    stale_message = outcome.stale_message
    context = {
        "item": item,
        "programme": item.programme,
        "form": form,
        "stale_message": stale_message,
        "current": ledger_forms.edit_initial(item) if stale_message else None,
        "current_leaders": list(item.sponsor_leaders.all()),
        "current_partners": list(item.partner_units.all()),
    }
    return TemplateResponse(request, "ledger/edit_form.html", context, status=outcome.status)


# --- export ---------------------------------------------------------------------------------


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    query = ledger_forms.parse_ledger_query(request.GET)
    programmes = list(visible_programmes(user))
    programme = pick_programme(user, programmes, query.programme, query.jurisdiction)
    if programme is None:
        raise errors.NotFound("没有可导出的实事计划")
    programme = permissions.access_programme(user, programme.pk)
    # Written to a temporary file (gone when the response closes it), then streamed: a
    # ledger of 100,000 items is never held in memory, as rows or as a workbook.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    try:
        write_export(programme, handle, actor=user, filters=query.filters)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    name = f"{programme.jurisdiction.name}{programme.year}年实事清单.xlsx"
    response = FileResponse(
        handle,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    fallback = f"shishi-{programme.jurisdiction.code}-{programme.year}.xlsx"
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response
