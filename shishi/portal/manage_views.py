"""The office's publication pages (login, programme office only): what the portal shows.

Toggles work as plain forms (POST, then back to the page) and as htmx requests (the changed
row or update comes back in place). A refused change — someone edited the item meanwhile,
a partner note, a file that is not a photo, a row that is gone — comes back as a clear
message: on the page with its status code (409, 422, 404), or inside the htmx fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shishi.core import errors
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate
from shishi.ledger.permissions import can_manage_programme
from shishi.ledger.selectors import (
    LIST_ORDER,
    ItemFilters,
    attachments_of,
    filter_items,
    item_updates,
    pick_programme,
    programme_items,
    visible_categories,
    visible_programmes,
)
from shishi.portal import forms, services
from shishi.portal.images import PUBLIC_IMAGE_TYPES
from shishi.portal.permissions import (
    MANAGE_DENIED,
    access_publication,
    access_publication_attachment,
    access_publication_item,
    access_publication_update,
)
from shishi.portal.selectors import UpdateCounts, update_counts

MANAGE_FIELDS = (
    "id",
    "programme_id",
    "jurisdiction_id",
    "category_id",
    "lead_unit_id",
    "number",
    "seq",
    "name",
    "deadline_text",
    "due_date",
    "completion_rate",
    "lifecycle",
    "progress_date",
    "is_public",
    "version",
)


@dataclass
class Row:
    item: Item
    counts: UpdateCounts
    error: str = ""


@dataclass
class UpdateRow:
    update: ProgressUpdate
    attachments: list[Attachment]
    error: str = ""
    photos_to_offer: list[Attachment] = field(default_factory=list)


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _public_url(programme: Programme, item: Item | None = None) -> str:
    code, year = programme.jurisdiction.code, programme.year
    if item is None:
        return reverse("portal:programme", args=[code, year])
    return reverse("portal:item", args=[code, year, item.pk])


def _manage_url(programme: Programme, query: forms.ManageQuery | None = None) -> str:
    url = reverse("portal:manage", args=[programme.pk])
    qs = query.querystring() if query else ""
    return f"{url}?{qs}" if qs else url


def _manage_item_url(programme: Programme, item_id: int) -> str:
    return reverse("portal:manage_item", args=[programme.pk, item_id])


def _managed_programmes(user: Any) -> list[Programme]:
    programmes = visible_programmes(user).order_by("jurisdiction__code", "-year")
    return [p for p in programmes if can_manage_programme(user, p)]


# --- the list -------------------------------------------------------------------------------


@require_GET
@login_required
def manage_home(request: HttpRequest) -> HttpResponse:
    """The publication page of the office's own (latest) programme."""
    programmes = _managed_programmes(request.user)
    wanted = forms.parse_id(request.GET.get("programme"))
    chosen = pick_programme(request.user, programmes, wanted, None)
    if chosen is None:
        raise errors.PermissionDenied(MANAGE_DENIED)
    return redirect("portal:manage", programme_id=chosen.pk)


def _rows(items: list[Item]) -> list[Row]:
    counts = update_counts([i.pk for i in items])
    return [Row(item=i, counts=counts[i.pk]) for i in items]


def _manage_rows_qs(base: Any) -> Any:
    return (
        base.select_related("category", "lead_unit")
        .only(*MANAGE_FIELDS, "category__name", "lead_unit__name")
        .order_by(*LIST_ORDER)
    )


def _render_manage(
    request: HttpRequest,
    programme: Programme,
    query: forms.ManageQuery,
    *,
    action_error: str = "",
    status: int = 200,
) -> TemplateResponse:
    user = request.user
    base = programme_items(user, programme)
    qs = filter_items(base, ItemFilters(q=query.q or None, category=query.category))
    if query.state:
        qs = qs.filter(is_public=query.state == "public")
    paginator = Paginator(_manage_rows_qs(qs), forms.MANAGE_PER_PAGE)
    page = paginator.get_page(query.page)
    totals = base.aggregate(n=Count("id"), public=Count("id", filter=Q(is_public=True)))
    context = {
        "programme": programme,
        "programmes": _managed_programmes(user),
        "query": query,
        "rows": _rows(list(page.object_list)),
        "page": page,
        "paginator": paginator,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "categories": list(
            visible_categories(user).filter(programme=programme).order_by("order", "id")
        ),
        "totals": totals,
        "public_url": _public_url(programme) if totals["public"] else "",
        "action_error": action_error,
    }
    return TemplateResponse(request, "portal/manage.html", context, status=status)


@require_GET
@login_required
def manage(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = access_publication(request.user, programme_id)
    response = _render_manage(request, programme, forms.parse_manage_query(request.GET))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def manage_bulk(request: HttpRequest, programme_id: int) -> HttpResponse:
    """Publish or withdraw the ticked items."""
    programme = access_publication(request.user, programme_id)
    query = forms.parse_manage_query(request.POST)
    try:
        bulk = forms.parse_bulk(request.POST)
        changed = services.set_items_public(
            programme,
            bulk.item_ids,
            bulk.public,
            actor=request.user,
            expected_versions=bulk.versions,
        )
    except (errors.StaleEdit, errors.ValidationFailed, errors.NotFound) as exc:
        return _render_manage(
            request, programme, query, action_error=exc.message, status=exc.status
        )
    count = len(changed)
    if not changed:
        messages.info(request, _("所选事项已经是该状态,没有变化"))
    elif bulk.public:
        messages.success(
            request, ngettext("已公开 %(n)d 项", "已公开 %(n)d 项", count) % {"n": count}
        )
    else:
        messages.success(
            request, ngettext("已取消公开 %(n)d 项", "已取消公开 %(n)d 项", count) % {"n": count}
        )
    return redirect(_manage_url(programme, query))


# --- one item -------------------------------------------------------------------------------


def _update_rows(item: Item, updates: list[ProgressUpdate] | None = None) -> list[UpdateRow]:
    rows = []
    for update in updates if updates is not None else list(item_updates(item)):
        attachments = attachments_of(update)
        offer = [a for a in attachments if not a.is_public and a.content_type in PUBLIC_IMAGE_TYPES]
        rows.append(UpdateRow(update=update, attachments=attachments, photos_to_offer=offer))
    return rows


def _item_context(programme: Programme, item: Item) -> dict[str, Any]:
    updates = _update_rows(item)
    return {
        "programme": programme,
        "item": item,
        "updates": updates,
        "public_updates": sum(1 for u in updates if u.update.is_public and not u.update.is_note),
        "public_url": _public_url(programme, item),
        "image_types": PUBLIC_IMAGE_TYPES,
    }


def _render_manage_item(
    request: HttpRequest,
    programme: Programme,
    item: Item,
    *,
    action_error: str = "",
    status: int = 200,
) -> TemplateResponse:
    context = _item_context(programme, item)
    context["action_error"] = action_error
    return TemplateResponse(request, "portal/manage_item.html", context, status=status)


@require_GET
@login_required
def manage_item(request: HttpRequest, programme_id: int, item_id: int) -> HttpResponse:
    """An item's publication: the item itself, each update and each photo."""
    programme = access_publication(request.user, programme_id)
    item = access_publication_item(request.user, programme, item_id)
    response = _render_manage_item(request, programme, item)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def item_public(request: HttpRequest, programme_id: int, item_id: int) -> HttpResponse:
    """Publish or withdraw one item (from the list's row or from the item's page)."""
    user = request.user
    programme = access_publication(user, programme_id)
    item = access_publication_item(user, programme, item_id)
    from_item_page = request.POST.get("back") == "item"
    error, status = "", 200
    changed = False
    public = item.is_public
    try:
        public = forms.parse_public_flag(request.POST)
        versions = forms.parse_versions(request.POST, [item.pk])
        changed = services.set_item_public(
            item, public, actor=user, expected_version=versions.get(item.pk)
        )
    except (errors.StaleEdit, errors.ValidationFailed, errors.NotFound) as exc:
        error, status = exc.message, exc.status
    if _is_htmx(request):
        fresh = access_publication_item(user, programme, item_id)
        if from_item_page:
            context = _item_context(programme, fresh)
            context["item_error"] = error
            return TemplateResponse(request, "portal/manage_item.html#item_state", context)
        row = Row(item=fresh, counts=update_counts([fresh.pk])[fresh.pk], error=error)
        context = {"programme": programme, "row": row, "query": forms.ManageQuery()}
        return TemplateResponse(request, "portal/manage.html#row", context)
    if error:
        if from_item_page:
            return _render_manage_item(request, programme, item, action_error=error, status=status)
        query = forms.parse_manage_query(request.POST)
        return _render_manage(request, programme, query, action_error=error, status=status)
    if not changed:
        messages.info(request, _("该事项已经是该状态,没有变化"))
    elif public:
        messages.success(request, _("已公开:%(name)s") % {"name": item.name})
    else:
        messages.success(request, _("已取消公开:%(name)s") % {"name": item.name})
    if from_item_page:
        return redirect(_manage_item_url(programme, item.pk))
    return redirect(_manage_url(programme, forms.parse_manage_query(request.POST)))


def _update_fragment(
    request: HttpRequest, programme: Programme, update: ProgressUpdate, error: str
) -> TemplateResponse:
    item = update.item
    fresh = list(item_updates(item).filter(pk=update.pk))
    rows = _update_rows(item, fresh)
    context: dict[str, Any] = {
        "programme": programme,
        "item": item,
        "image_types": PUBLIC_IMAGE_TYPES,
    }
    if rows:
        rows[0].error = error
        context["u"] = rows[0]
    return TemplateResponse(request, "portal/manage_item.html#update", context)


def _toggle_on_update(
    request: HttpRequest,
    programme: Programme,
    update: ProgressUpdate,
    *,
    current: bool,
    change: Callable[[bool], object],
    done: tuple[str, str],
) -> HttpResponse:
    """Apply the posted ``public`` flag with ``change``, then answer with the update's
    fragment (htmx) or the item's page: ``done`` is the message (published, withdrawn)."""
    error, status, public = "", 200, current
    try:
        public = forms.parse_public_flag(request.POST)
        change(public)
    except (errors.ValidationFailed, errors.NotFound) as exc:
        error, status = exc.message, exc.status
    if _is_htmx(request):
        return _update_fragment(request, programme, update, error)
    if error:
        return _render_manage_item(
            request, programme, update.item, action_error=error, status=status
        )
    messages.success(request, done[0] if public else done[1])
    url = _manage_item_url(programme, update.item_id)
    return redirect(f"{url}#update-{update.pk}")


@require_POST
@login_required
def update_public(request: HttpRequest, programme_id: int, update_id: int) -> HttpResponse:
    """Publish or withdraw one progress update, with the photos ticked beside it."""
    user = request.user
    programme = access_publication(user, programme_id)
    update = access_publication_update(user, programme, update_id)

    def change(public: bool) -> None:
        wanted = set(forms.parse_attachment_ids(request.POST)) if public else set()
        chosen = [a for a in attachments_of(update) if a.pk in wanted]
        if len(chosen) != len(wanted):
            raise errors.ValidationFailed("所选照片已不存在或不属于该条进展,请刷新页面")
        services.set_update_public(update, public, actor=user, attachments=chosen)

    done = (_("进展已公开"), _("进展已取消公开"))
    return _toggle_on_update(
        request, programme, update, current=update.is_public, change=change, done=done
    )


@require_POST
@login_required
def attachment_public(request: HttpRequest, programme_id: int, attachment_id: int) -> HttpResponse:
    """Publish or withdraw one photo of an update."""
    user = request.user
    programme = access_publication(user, programme_id)
    attachment = access_publication_attachment(user, programme, attachment_id)

    def change(public: bool) -> None:
        services.set_attachment_public(attachment, public, actor=user)

    done = (_("照片已公开"), _("照片已取消公开"))
    return _toggle_on_update(
        request,
        programme,
        attachment.update,
        current=attachment.is_public,
        change=change,
        done=done,
    )
