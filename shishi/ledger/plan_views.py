"""Pages of items by hand: the new-item page, and the item page's forms for its targets
and milestones (add, edit, move up or down, remove with a reason, mark a milestone done,
undo that). Thin: each parses a form, calls one service and goes back to the item page;
a refused form re-renders the item page with the message (422, or 409 when the item was
changed meanwhile) and what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import submit
from shishi.core.http import is_htmx_fragment
from shishi.ledger import permissions, services
from shishi.ledger import plan_forms as pf
from shishi.ledger.models import Item, Milestone, Target
from shishi.ledger.selectors.plans import (
    item_milestone,
    item_target,
    new_item_choices,
    next_item_number,
)
from shishi.ledger.views import _item_context


def _plan_url(item: Item) -> str:
    return reverse("ledger:item", args=[item.pk]) + "#plan"


def _office_only(request: HttpRequest, item: Item) -> None:
    if not permissions.can_edit_item(request.user, item):
        raise errors.PermissionDenied(permissions.ASK_FOR_CHANGE)


def _handle(
    request: HttpRequest,
    item: Item,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    form_for: str,
    row: int | None = None,
    done: str,
) -> HttpResponse:
    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, done)
        return redirect(_plan_url(item))
    fresh = permissions.access_item(request.user, item.pk)  # the current values
    context = _item_context(request, fresh)
    context.update(
        action_error=outcome.stale_message or pf.form_errors(form) or _("提交的内容无效，请重试"),
        plan_form=form,
        plan_form_for=form_for,
        plan_row=row,
    )
    return TemplateResponse(request, "ledger/item.html", context, status=outcome.status)


ROW_ACTIONS = {
    "target_edit": gettext_lazy("编辑工作目标"),
    "target_remove": gettext_lazy("删除工作目标"),
    "milestone_edit": gettext_lazy("编辑时间节点"),
    "milestone_remove": gettext_lazy("删除时间节点"),
    "milestone_undo": gettext_lazy("撤销节点完成"),
    "milestone_complete": gettext_lazy("标记节点完成"),
}


def _row_form(request: HttpRequest, item: Item, kind: str, row: Target | Milestone) -> HttpResponse:
    """A row's form, opened on demand: the fragment htmx puts into the item page's row, or
    a page of its own without script. The item page draws none of them until asked."""
    partial = f"ledger/_plan_row.html#{kind}"
    context: dict[str, Any] = {
        "item": item,
        "row": row,
        "d": None,
        "plan_today": timezone.localdate(),
    }
    if is_htmx_fragment(request):
        return TemplateResponse(request, partial, context)
    context.update(label=ROW_ACTIONS[kind], form_partial=partial)
    return TemplateResponse(request, "ledger/plan_row.html", context)


# --- targets ----------------------------------------------------------------------------


@require_POST
@login_required
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    form = pf.TargetForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        target = services.TargetInput(c["name"], c["value"], c["unit"] or "")
        services.add_target(item, target, actor=request.user, expected_version=c["version"])

    return _handle(request, item, form, save, form_for="target_add", done=_("工作目标已添加"))


@require_http_methods(["GET", "POST"])
@login_required
def target_edit(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    target = item_target(item, target_pk)
    if request.method == "GET":
        return _row_form(request, item, "target_edit", target)
    form = pf.TargetForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.update_target(
            target,
            actor=request.user,
            expected_version=c["version"],
            name=c["name"],
            value=c["value"],
            unit=c["unit"] or "",
        )

    return _handle(
        request, item, form, save, form_for="target_edit", row=target.pk, done=_("工作目标已保存")
    )


@require_POST
@login_required
def target_move(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    target = item_target(item, target_pk)
    form = pf.MoveForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.move_target(
            target, actor=request.user, direction=c["direction"], expected_version=c["version"]
        )

    return _handle(
        request, item, form, save, form_for="target_move", row=target.pk, done=_("顺序已调整")
    )


@require_http_methods(["GET", "POST"])
@login_required
def target_remove(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    target = item_target(item, target_pk)
    if request.method == "GET":
        return _row_form(request, item, "target_remove", target)
    form = pf.RemoveForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.remove_target(
            target, actor=request.user, reason=c["reason"], expected_version=c["version"]
        )

    return _handle(
        request, item, form, save, form_for="target_remove", row=target.pk, done=_("工作目标已删除")
    )


# --- milestones -------------------------------------------------------------------------


@require_POST
@login_required
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    form = pf.MilestoneForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        milestone = services.MilestoneInput(
            c["title"], c["due_date"], planned_rate=c.get("planned_rate")
        )
        services.add_milestone(item, milestone, actor=request.user, expected_version=c["version"])

    return _handle(request, item, form, save, form_for="milestone_add", done=_("时间节点已添加"))


@require_http_methods(["GET", "POST"])
@login_required
def milestone_edit(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    milestone = item_milestone(item, milestone_pk)
    if request.method == "GET":
        return _row_form(request, item, "milestone_edit", milestone)
    form = pf.MilestoneForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.update_milestone(
            milestone,
            actor=request.user,
            expected_version=c["version"],
            title=c["title"],
            due_date=c["due_date"],
            planned_rate=c.get("planned_rate"),
        )

    return _handle(
        request,
        item,
        form,
        save,
        form_for="milestone_edit",
        row=milestone.pk,
        done=_("时间节点已保存"),
    )


@require_POST
@login_required
def milestone_move(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    milestone = item_milestone(item, milestone_pk)
    form = pf.MoveForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.move_milestone(
            milestone, actor=request.user, direction=c["direction"], expected_version=c["version"]
        )

    return _handle(
        request, item, form, save, form_for="milestone_move", row=milestone.pk, done=_("顺序已调整")
    )


@require_http_methods(["GET", "POST"])
@login_required
def milestone_remove(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    milestone = item_milestone(item, milestone_pk)
    if request.method == "GET":
        return _row_form(request, item, "milestone_remove", milestone)
    form = pf.RemoveForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.remove_milestone(
            milestone, actor=request.user, reason=c["reason"], expected_version=c["version"]
        )

    return _handle(
        request,
        item,
        form,
        save,
        form_for="milestone_remove",
        row=milestone.pk,
        done=_("时间节点已删除"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def milestone_complete(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk, related=permissions.ITEM_RELATED)
    if not permissions.can_post_progress(request.user, item):
        raise errors.PermissionDenied(_("只有牵头单位或专班可以标记节点完成"))
    milestone = item_milestone(item, milestone_pk)
    if request.method == "GET":
        return _row_form(request, item, "milestone_complete", milestone)
    form = pf.CompleteMilestoneForm(request.POST, request.FILES)

    def save(c: dict[str, Any]) -> None:
        services.complete_milestone(
            milestone,
            actor=request.user,
            done_date=c["done_date"],
            text=c["text"],
            attachments=c["attachments"],
        )

    return _handle(
        request,
        item,
        form,
        save,
        form_for="milestone_complete",
        row=milestone.pk,
        done=_("节点已标记完成，并记入进展"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def milestone_undo(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    item = permissions.access_item(request.user, pk)
    _office_only(request, item)
    milestone = item_milestone(item, milestone_pk)
    if request.method == "GET":
        return _row_form(request, item, "milestone_undo", milestone)
    form = pf.UndoCompletionForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.undo_milestone_completion(milestone, actor=request.user, reason=c["reason"])

    return _handle(
        request,
        item,
        form,
        save,
        form_for="milestone_undo",
        row=milestone.pk,
        done=_("已撤销节点完成"),
    )


# --- a new item ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def item_new(request: HttpRequest, programme_pk: int) -> HttpResponse:
    user = request.user
    programme = permissions.access_programme(user, programme_pk, manage=True)
    choices = new_item_choices(user, programme)
    status = 200
    if request.method == "POST":
        form = pf.NewItemForm(request.POST, **choices)
        created: list[Item] = []

        def save(c: dict[str, Any]) -> None:
            created.append(services.create_item(programme, actor=user, **form.create_args()))

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("事项已新增"))
            return redirect("ledger:item", pk=created[0].pk)
        status = outcome.status
    else:
        form = pf.NewItemForm(initial={"number": next_item_number(programme)}, **choices)
    context = {"programme": programme, "form": form}
    return TemplateResponse(request, "ledger/item_new.html", context, status=status)
