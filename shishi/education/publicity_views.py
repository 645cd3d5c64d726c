"""The publicity pages (``/education/publicity/``, the office): the figures of a period,
channels with their columns, posts and media reports (enter, edit, remove), their Excel
imports (the wizard of ``sheet_views``) and exports. Thin: each parses, calls one service
or selector, renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.core.forms import submit
from shishi.education import publicity_figures, publicity_sheet, sheet_views
from shishi.education import publicity_selectors as sel
from shishi.education import publicity_services as svc
from shishi.education.models import Channel
from shishi.education.party_selectors import office_district, stamp_of
from shishi.education.publicity_forms import (
    ChannelForm,
    ColumnForm,
    MediaForm,
    PeriodForm,
    PostForm,
    StampForm,
    period_of,
)
from shishi.education.sheet_views import Wizard, back_url, district_code, xlsx_response
from shishi.enterprise.models import SheetKind
from shishi.orgs.models import Jurisdiction


@login_required
@require_GET
def publicity(request: HttpRequest) -> HttpResponse:
    """The figures of a period (this year by default), per channel and per column."""
    place = office_district(request.user, district_code(request))
    form = PeriodForm(request.GET or None)
    start, end = period_of(form)
    found = publicity_figures.figures(place.district.pk, start, end)
    context = {
        "place": place,
        "form": form,
        "f": found,
        "headline": publicity_figures.headline(found),
    }
    return TemplateResponse(request, "education/publicity/figures.html", context)


def _form_page(
    request: HttpRequest,
    template_context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    return TemplateResponse(
        request, "education/publicity/form.html", template_context, status=status
    )


def _edit(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    done: str,
    context: dict[str, Any],
    refresh: Callable[[], dict[str, str]] | None = None,
) -> HttpResponseBase:
    """GET: the form; POST: the one service call, then back to ``done`` — or the form again
    with the errors (422) or, for a stale edit, the user's input against the current
    version (409)."""
    context = {**context, "form": form, "stale": ""}
    if request.method != "POST":
        return _form_page(request, context)
    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已保存"))
        return redirect(done)
    if outcome.status == 409 and refresh is not None:
        form.data = request.POST.copy()
        form.data.update(refresh())
        context["stale"] = outcome.stale_message
    return _form_page(request, context, status=outcome.status)


def _removal(
    request: HttpRequest, remove: Callable[[StampForm], None], name: str, done: str
) -> HttpResponseBase:
    form = StampForm(request.POST)
    if not form.is_valid():
        form = StampForm({})
        form.is_valid()
    try:
        remove(form)
    except (StaleEdit, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”") % {"name": name})
    return redirect(done)


# --- channels and columns --------------------------------------------------------------------


@login_required
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    place = office_district(request.user, district_code(request))
    context = {"place": place, "channels": sel.channels(place.district)}
    return TemplateResponse(request, "education/publicity/channels.html", context)


def _channel_input(data: dict[str, Any]) -> svc.ChannelInput:
    return svc.ChannelInput(
        kind=data["kind"],
        name=data["name"],
        account=data.get("account") or "",
        unit_id=data.get("unit"),
        screens=data.get("screens") or 0,
        is_active=bool(data.get("is_active")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest) -> HttpResponseBase:
    place = office_district(request.user, district_code(request))
    units = sel.unit_choices(place.district)
    form = ChannelForm(request.POST if request.method == "POST" else None, units=units)
    return _edit(
        request,
        form=form,
        save=lambda d: svc.save_channel(place.district, _channel_input(d), actor=request.user),
        done=back_url("education:publicity_channels", place.district),
        context={"district": place.district, "title": gettext_lazy("新增宣传阵地")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    channel = sel.office_channel(request.user, pk)
    district = channel.jurisdiction
    units = sel.unit_choices(district)
    initial = {
        "kind": channel.kind,
        "name": channel.name,
        "account": channel.account,
        "unit": channel.unit_id,
        "screens": channel.screens,
        "is_active": channel.is_active,
        "version": channel.version,
    }
    form = ChannelForm(
        request.POST if request.method == "POST" else None, initial=initial, units=units
    )
    context = {
        "district": district,
        "title": gettext_lazy("编辑宣传阵地"),
        "channel": channel,
        "columns": sel.columns_of(channel),
        "column_form": ColumnForm(),
    }
    return _edit(
        request,
        form=form,
        save=lambda d: svc.save_channel(
            district,
            _channel_input(d),
            actor=request.user,
            channel=channel,
            version=d.get("version"),
        ),
        done=back_url("education:publicity_channels", district),
        context=context,
        refresh=lambda: {"version": str(sel.office_channel(request.user, pk).version)},
    )


@login_required
@require_POST
def channel_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    channel = sel.office_channel(request.user, pk)
    return _removal(
        request,
        lambda f: svc.remove_channel(
            channel, version=f.cleaned_data.get("version"), actor=request.user
        ),
        channel.name,
        back_url("education:publicity_channels", channel.jurisdiction),
    )


def _channel_page(channel: Channel) -> str:
    return reverse("education:publicity_channel_edit", args=[channel.pk])


@login_required
@require_http_methods(["GET", "POST"])
def column_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    channel = sel.office_channel(request.user, pk)
    form = ColumnForm(request.POST if request.method == "POST" else None)
    return _edit(
        request,
        form=form,
        save=lambda d: svc.save_column(
            channel, svc.ColumnInput(d["name"], d.get("opened_on")), actor=request.user
        ),
        done=_channel_page(channel),
        context={
            "district": channel.jurisdiction,
            "title": gettext_lazy("新增栏目"),
            "parent": channel,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def column_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    column = sel.office_column(request.user, pk)
    channel = column.channel
    initial = {"name": column.name, "opened_on": column.opened_on, "stamp": stamp_of(column)}
    form = ColumnForm(request.POST if request.method == "POST" else None, initial=initial)
    return _edit(
        request,
        form=form,
        save=lambda d: svc.save_column(
            channel,
            svc.ColumnInput(d["name"], d.get("opened_on")),
            actor=request.user,
            column=column,
            stamp=d.get("stamp"),
        ),
        done=_channel_page(channel),
        context={
            "district": channel.jurisdiction,
            "title": gettext_lazy("编辑栏目"),
            "parent": channel,
            "column": column,
        },
        refresh=lambda: {"stamp": stamp_of(sel.office_column(request.user, pk))},
    )


@login_required
@require_POST
def column_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    column = sel.office_column(request.user, pk)
    return _removal(
        request,
        lambda f: svc.remove_column(column, stamp=f.cleaned_data.get("stamp"), actor=request.user),
        column.name,
        _channel_page(column.channel),
    )


# --- posts ---------------------------------------------------------------------------------


@login_required
@require_GET
def posts(request: HttpRequest) -> HttpResponse:
    place = office_district(request.user, district_code(request))
    raw = request.GET.get("channel") or ""
    channel_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    context = {
        "place": place,
        "p": sel.posts(place.district, request.GET.get("page"), channel_id),
        "channels": sel.channel_choices(place.district),
        "channel_id": channel_id,
    }
    return TemplateResponse(request, "education/publicity/posts.html", context)


def _post_form(request: HttpRequest, district: Jurisdiction, **kwargs: Any) -> PostForm:
    return PostForm(
        request.POST if request.method == "POST" else None,
        channels=sel.channel_choices(district),
        columns=sel.column_choices(district),
        **kwargs,
    )


def _post_input(data: dict[str, Any]) -> svc.PostInput:
    return svc.PostInput(
        channel_id=data.get("channel"),
        column_id=data.get("column"),
        title=data["title"],
        published_on=data.get("published_on"),
        link=data.get("link") or "",
        views=data.get("views") or 0,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest) -> HttpResponseBase:
    place = office_district(request.user, district_code(request))
    raw = request.GET.get("channel") or ""
    initial = {"channel": int(raw)} if raw.isdigit() and len(raw) < 10 else {}
    return _edit(
        request,
        form=_post_form(request, place.district, initial=initial),
        save=lambda d: svc.save_post(place.district, _post_input(d), actor=request.user),
        done=back_url("education:publicity_posts", place.district),
        context={"district": place.district, "title": gettext_lazy("录入稿件")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    post = sel.office_post(request.user, pk)
    district = post.channel.jurisdiction
    initial = {
        "channel": post.channel_id,
        "column": post.column_id,
        "title": post.title,
        "published_on": post.published_on,
        "link": post.link,
        "views": post.views,
        "version": post.version,
    }
    return _edit(
        request,
        form=_post_form(request, district, initial=initial),
        save=lambda d: svc.save_post(
            district, _post_input(d), actor=request.user, post=post, version=d.get("version")
        ),
        done=back_url("education:publicity_posts", district),
        context={"district": district, "title": gettext_lazy("编辑稿件"), "post": post},
        refresh=lambda: {"version": str(sel.office_post(request.user, pk).version)},
    )


@login_required
@require_POST
def post_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    post = sel.office_post(request.user, pk)
    return _removal(
        request,
        lambda f: svc.remove_post(post, version=f.cleaned_data.get("version"), actor=request.user),
        post.title,
        back_url("education:publicity_posts", post.channel.jurisdiction),
    )


# --- media reports -------------------------------------------------------------------------


@login_required
@require_GET
def media(request: HttpRequest) -> HttpResponse:
    place = office_district(request.user, district_code(request))
    context = {"place": place, "p": sel.media_reports(place.district, request.GET.get("page"))}
    return TemplateResponse(request, "education/publicity/media.html", context)


def _media_input(data: dict[str, Any]) -> svc.MediaInput:
    return svc.MediaInput(
        outlet=data["outlet"],
        level=data["level"],
        title=data["title"],
        published_on=data.get("published_on"),
        link=data.get("link") or "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_new(request: HttpRequest) -> HttpResponseBase:
    place = office_district(request.user, district_code(request))
    return _edit(
        request,
        form=MediaForm(request.POST if request.method == "POST" else None),
        save=lambda d: svc.save_media(place.district, _media_input(d), actor=request.user),
        done=back_url("education:publicity_media", place.district),
        context={"district": place.district, "title": gettext_lazy("录入媒体报道")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = sel.office_media(request.user, pk)
    district = report.jurisdiction
    initial = {
        "outlet": report.outlet,
        "level": report.level,
        "title": report.title,
        "published_on": report.published_on,
        "link": report.link,
        "version": report.version,
    }
    return _edit(
        request,
        form=MediaForm(request.POST if request.method == "POST" else None, initial=initial),
        save=lambda d: svc.save_media(
            district, _media_input(d), actor=request.user, report=report, version=d.get("version")
        ),
        done=back_url("education:publicity_media", district),
        context={"district": district, "title": gettext_lazy("编辑媒体报道"), "report": report},
        refresh=lambda: {"version": str(sel.office_media(request.user, pk).version)},
    )


@login_required
@require_POST
def media_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = sel.office_media(request.user, pk)
    return _removal(
        request,
        lambda f: svc.remove_media(
            report, version=f.cleaned_data.get("version"), actor=request.user
        ),
        report.title,
        back_url("education:publicity_media", report.jurisdiction),
    )


# --- imports and exports ---------------------------------------------------------------------

POSTS_WIZARD = Wizard(
    kind=SheetKind.POSTS,
    title=gettext_lazy("导入宣传稿件"),
    headers=publicity_sheet.POST_HEADERS,
    required=publicity_sheet.POST_REQUIRED,
    notes=gettext_lazy(
        "每篇稿件一行。“阵地”填本区已有宣传阵地的名称，“栏目”填该阵地已有的栏目（可留空）。"
        "阵地、标题和发布日期相同的视为同一篇稿件：重新导入会更新它的阅读量。任何一处有错都"
        "不写入，并列出每个错误所在的行和列。"
    ),
    preview_headers=publicity_sheet.POST_PREVIEW,
    preview=publicity_sheet.preview_posts,
    apply=publicity_sheet.apply_posts,
    place=office_district,
    back="education:publicity_posts",
    prefix="education:publicity_posts",
)
MEDIA_WIZARD = Wizard(
    kind=SheetKind.MEDIA,
    title=gettext_lazy("导入媒体报道"),
    headers=publicity_sheet.MEDIA_HEADERS,
    required=publicity_sheet.MEDIA_REQUIRED,
    notes=gettext_lazy(
        "每篇报道一行。“级别”填中央级、省级、市级或区级。媒体、标题和刊发日期相同的视为同一篇"
        "报道：重新导入会更新它的级别和链接。任何一处有错都不写入，并列出每个错误所在的行和列。"
    ),
    preview_headers=publicity_sheet.MEDIA_PREVIEW,
    preview=publicity_sheet.preview_media,
    apply=publicity_sheet.apply_media,
    place=office_district,
    back="education:publicity_media",
    prefix="education:publicity_media",
)


posts_import, posts_import_preview, posts_import_confirm, posts_import_cancel = sheet_views.views(
    POSTS_WIZARD
)
media_import, media_import_preview, media_import_confirm, media_import_cancel = sheet_views.views(
    MEDIA_WIZARD
)


@login_required
@require_GET
def posts_export(request: HttpRequest) -> HttpResponse:
    place = office_district(request.user, district_code(request))
    body = publicity_sheet.export_posts(place.district, actor=request.user)
    return xlsx_response(body, f"{place.district.name}宣传稿件", f"posts-{place.district.code}")


@login_required
@require_GET
def media_export(request: HttpRequest) -> HttpResponse:
    place = office_district(request.user, district_code(request))
    body = publicity_sheet.export_media(place.district, actor=request.user)
    return xlsx_response(body, f"{place.district.name}媒体报道", f"media-{place.district.code}")
