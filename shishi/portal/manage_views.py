"""The office's publication pages (login, programme office only): what the portal shows.

Toggles work as plain forms (POST, then back to the page) and as htmx requests (the changed
row or update comes back in place). A refused change — someone edited the item meanwhile,
a partner note, a file that is not a photo, a row that is gone — comes back as a clear
message: on the page with its status code (409, 422, 404), or inside the htmx fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shishi.core import errors
from shishi.ledger.models import Item, Programme, ProgressUpdate
from shishi.ledger.selectors import pick_programme
from shishi.portal import forms, selectors, services
from shishi.portal.images import PUBLIC_IMAGE_TYPES
from shishi.portal.permissions import (
    MANAGE_DENIED,
    access_publication,
    access_publication_attachment,
    access_publication_item,
    access_publication_update,
)


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


# --- the list -------------------------------------------------------------------------------


@require_GET
@login_required
def manage_home(request: HttpRequest) -> HttpResponse:
    """The publication page of the office's own (latest) programme."""
    programmes = selectors.managed_programmes(request.user)
    wanted = forms.parse_id(request.GET.get("programme"))
    chosen = pick_programme(request.user, programmes, wanted, None)
    if chosen is None:
        raise errors.PermissionDenied(MANAGE_DENIED)
    return redirect("portal:manage", programme_id=chosen.pk)


def _render_manage(
    request: HttpRequest,
    programme: Programme,
    query: forms.ManageQuery,
    *,
    action_error: str = "",
    status: int = 200,
) -> TemplateResponse:
    user = request.user
    listing = selectors.manage_list(user, programme, query, per_page=forms.MANAGE_PER_PAGE)
    page = listing.page
    context = {
        "programme": programme,
        "programmes": selectors.managed_programmes(user),
        "query": query,
        "rows": listing.rows,
        "page": page,
        "paginator": page.paginator,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "categories": listing.categories,
        "totals": listing.totals,
        "public_url": _public_url(programme) if listing.totals["public"] else "",
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
        messages.info(request, _("所选事项已经是该状态，没有变化"))
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


def _item_context(programme: Programme, item: Item) -> dict[str, Any]:
    updates = selectors.manage_update_rows(item)
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
        (row,) = selectors.manage_rows([fresh])
        row.error = error
        context = {"programme": programme, "row": row, "query": forms.ManageQuery()}
        return TemplateResponse(request, "portal/manage.html#row", context)
    if error:
        if from_item_page:
            return _render_manage_item(request, programme, item, action_error=error, status=status)
        query = forms.parse_manage_query(request.POST)
        return _render_manage(request, programme, query, action_error=error, status=status)
    if not changed:
        messages.info(request, _("该事项已经是该状态，没有变化"))
    elif public:
        messages.success(request, _("已公开：%(name)s") % {"name": item.name})
    else:
        messages.success(request, _("已取消公开：%(name)s") % {"name": item.name})
    if from_item_page:
        return redirect(_manage_item_url(programme, item.pk))
    return redirect(_manage_url(programme, forms.parse_manage_query(request.POST)))


def _update_fragment(
    request: HttpRequest, programme: Programme, update: ProgressUpdate, error: str
) -> TemplateResponse:
    item = update.item
    rows = selectors.manage_update_rows(item, update_id=update.pk)
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
        ids = forms.parse_attachment_ids(request.POST) if public else []
        chosen = selectors.chosen_attachments(update, ids)
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
