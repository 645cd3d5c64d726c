"""Pages of the notify app: the bell, the inbox, preferences, the office's delivery log and
the group robots. Thin: they parse, call one selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors, masking
from shishi.core.forms import Outcome, submit
from shishi.core.http import is_htmx_fragment
from shishi.notify import forms, permissions, selectors, services
from shishi.notify.kinds import people_kinds
from shishi.notify.models import Contact, Status

# --- the bell and the inbox ---------------------------------------------------------------------


@require_GET
@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell alone (htmx refreshes it every minute and when the window gets focus)."""
    count = selectors.unread_count(request.user)
    return TemplateResponse(request, "notify/_bell.html", {"unread": count})


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    page = selectors.inbox_page(
        request.user, page=str(request.GET.get("page") or "1")[:12], only_unread=only_unread
    )
    context = {
        "inbox": page,
        "page": page.page,
        "page_range": page.page.paginator.get_elided_page_range(page.page.number),
    }
    return TemplateResponse(request, "notify/inbox.html", context)


@require_GET
@login_required
def open_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a message's link, marking it read on the way."""
    message = services.mark_read(request.user, pk)
    link = message.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notify:inbox")


@require_POST
@login_required
def read(request: HttpRequest, pk: int) -> HttpResponse:
    message = services.mark_read(request.user, pk)
    if is_htmx_fragment(request):
        return TemplateResponse(request, "notify/inbox.html#message", {"m": message})
    return redirect(reverse("notify:inbox"))


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    n = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": n})
    return redirect(reverse("notify:inbox"))


# --- preferences -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    kinds = people_kinds()
    current = selectors.preferences_page(request.user)
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = forms.PreferencesForm(request.POST, kinds=kinds)

        def save(c: dict[str, Any]) -> None:
            services.save_preferences(
                request.user,
                channels=form.channels(),
                phone=c["phone"],
                quiet_start=c["quiet_start"],
                quiet_end=c["quiet_end"],
                email_digest=c["email_digest"],
                language=c["language"],
                remove_phone=c["remove_phone"],
                email=c["email"],
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("消息设置已保存"))
            return redirect(reverse("notify:preferences"))
    else:
        contact = current.contact or Contact()  # no row yet: the defaults
        initial: dict[str, Any] = {
            forms.channel_field(choice.kind): choice.channels for choice in current.kinds
        }
        initial.update(
            email=getattr(request.user, "email", ""),
            email_digest=contact.email_digest,
            language=contact.language if current.contact else request.LANGUAGE_CODE,
            quiet_start=contact.quiet_start,
            quiet_end=contact.quiet_end,
        )
        form = forms.PreferencesForm(initial=initial, kinds=kinds)
    shown_phone = ""
    if request.method == "GET" and request.GET.get("show_phone") == "1" and current.contact:
        # The owner's explicit "show": the full number, recorded in the audit log.
        shown_phone = masking.display(
            current.contact.phone_encrypted,
            viewer=masking.Viewer.OWNER,
            show=True,
            actor=request.user,
            target=current.contact,
            field="phone",
        )
    context = {"form": form, "prefs": current, "shown_phone": shown_phone}
    return TemplateResponse(request, "notify/preferences.html", context, status=outcome.status)


# --- the delivery log ---------------------------------------------------------------------------


@require_GET
@login_required
def delivery_log(request: HttpRequest) -> HttpResponse:
    filters, page = forms.parse_log_query(request.GET)
    show = request.GET.get("show") == "1"
    log = selectors.log_page(request.user, filters, page=page, show=show)
    if log.full_addresses:
        by_id = {r.delivery.pk: r.delivery for r in (*log.rows, *log.unknown)}
        shown = [d for d in by_id.values() if d.address_encrypted]
        if shown:
            masking.record_shown(
                actor=request.user,
                target=shown[0],
                fields={"address": len(shown)},
                viewer=masking.Viewer.SYSTEM,
                ids=[d.pk for d in shown],
            )
    query = request.GET.copy()
    query.pop("page", None)
    plain_query = query.copy()
    plain_query.pop("show", None)
    context = {
        "log": log,
        "filters": filters,
        "page": log.page,
        "page_range": log.page.paginator.get_elided_page_range(log.page.number),
        "querystring": query.urlencode(),
        "plain_querystring": plain_query.urlencode(),
    }
    return TemplateResponse(request, "notify/log.html", context)


def _back_to_log(request: HttpRequest) -> HttpResponse:
    url = reverse("notify:log")
    query = request.POST.get("query", "")[:2000]
    target = f"{url}?{query}" if query else url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = url
    return redirect(target)


def _act_on_delivery(
    request: HttpRequest, pk: int, service: Callable[..., Any], done: str
) -> HttpResponse:
    """Run one of the log's delivery services; its refusal or ``done`` as a message."""
    delivery = permissions.access_delivery(request.user, pk)
    try:
        service(delivery, actor=request.user)
    except errors.ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back_to_log(request)


@require_POST
@login_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_delivery(request, pk, services.resend_delivery, _("已重新排队发送"))


@require_POST
@login_required
def mark_failed(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_delivery(request, pk, services.mark_delivery_failed, _("已标记为失败"))


# --- group robots -------------------------------------------------------------------------------


def _targets(page: selectors.HooksPage) -> list[tuple[str, str]]:
    out = [(f"j:{j.pk}", _("%(name)s（全区）") % {"name": j.name}) for j in page.jurisdictions]
    out += [(f"u:{u.pk}", f"{u.jurisdiction.name} · {u.name}") for u in page.units]
    return out


@require_http_methods(["GET", "POST"])
@login_required
def hooks(request: HttpRequest) -> HttpResponse:
    page = selectors.hooks_page(request.user)
    targets = _targets(page)
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = forms.HookForm(request.POST, targets=targets)

        def save(c: dict[str, Any]) -> None:
            jurisdiction, unit = selectors.hook_target(page, c["target"])
            services.add_robot_hook(
                actor=request.user,
                jurisdiction=jurisdiction,
                unit=unit,
                kind=c["kind"],
                name=c["name"],
                url=c["url"],
                secret=c["secret"],
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("群机器人已添加"))
            return redirect(reverse("notify:hooks"))
    else:
        form = forms.HookForm(targets=targets)
    context = {"hooks_page": page, "form": form}
    return TemplateResponse(request, "notify/hooks.html", context, status=outcome.status)


@require_POST
@login_required
def hook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    hook = permissions.access_hook(request.user, pk)
    form = forms.HookEditForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.update_robot_hook(
            hook,
            actor=request.user,
            name=c["name"],
            active=c["active"],
            url=c["url"],
            secret=c["secret"],
        )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("群机器人已保存"))
    else:
        problems = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, problems or _("保存失败"))
    return redirect(reverse("notify:hooks"))


@require_POST
@login_required
def hook_test(request: HttpRequest, pk: int) -> HttpResponse:
    hook = permissions.access_hook(request.user, pk)
    try:
        delivery = services.send_test_message(hook, actor=request.user)
    except errors.ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(reverse("notify:hooks"))
    if delivery.status in (Status.SENT, Status.DELIVERED):
        messages.success(request, _("测试消息已发送，请在群里查看"))
    else:
        label = Status(delivery.status).label
        messages.error(
            request,
            _("测试消息未能送达（%(status)s）：%(error)s")
            % {"status": label, "error": delivery.last_error or "—"},
        )
    return redirect(reverse("notify:hooks"))
