"""The office's calendar pages: years and their source, a year's days and the entry form,
the import, and the jurisdiction's local days. Thin: parse, check access, call one selector
or service, render. Who may do what: ``workdays.permissions``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import Outcome, submit
from shishi.workdays import forms, selectors, services
from shishi.workdays.importing import MAX_FILE_BYTES
from shishi.workdays.permissions import access_jurisdiction, require_schedule_right


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    places = selectors.calendar_jurisdictions(request.user)
    if not places:
        raise errors.PermissionDenied("只有专班可以管理工作日历")
    if len(places) == 1:
        return redirect("workdays:years", code=places[0].code)
    return TemplateResponse(request, "workdays/index.html", {"places": places})


@require_GET
@login_required
def years(request: HttpRequest, code: str) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    page = selectors.years_page(request.user, place)
    return TemplateResponse(request, "workdays/years.html", {"page": page, "place": place})


@require_http_methods(["GET", "POST"])
@login_required
def year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    year = forms.parse_year(year)
    outcome = Outcome(saved=False)
    if request.method == "POST":
        require_schedule_right(request.user, place)
        form = forms.HolidayForm(request.POST, year=year)

        def save(c: dict[str, Any]) -> None:
            services.add_holiday(
                place,
                year,
                actor=request.user,
                name=c["name"],
                first_day=c["first_day"],
                last_day=c["last_day"],
                workdays=c["workdays"],
                notice=c["notice"],
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已录入%(name)s") % {"name": form.cleaned_data["name"]})
            return redirect("workdays:year", code=place.code, year=year)
    else:
        form = forms.HolidayForm(year=year)
    page = selectors.year_page(request.user, place, year)
    context = {"page": page, "place": place, "form": form}
    return TemplateResponse(request, "workdays/year.html", context, status=outcome.status)


@require_POST
@login_required
def remove_day(request: HttpRequest, code: str, year: int) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    year = forms.parse_year(year)
    day = forms.parse_date(request.POST.get("date"))
    services.remove_schedule_day(place, year, day, actor=request.user)
    messages.success(request, _("已删除%(day)s") % {"day": day.isoformat()})
    return redirect("workdays:year", code=place.code, year=year)


@require_POST
@login_required
def clear_year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    year = forms.parse_year(year)
    services.clear_schedule(place, year, actor=request.user)
    messages.success(request, _("已清除%(year)s年的录入") % {"year": year})
    return redirect("workdays:year", code=place.code, year=year)


@require_http_methods(["GET", "POST"])
@login_required
def import_year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    year = forms.parse_year(year)
    require_schedule_right(request.user, place)
    status = 200
    problems: list[Any] = []
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.import_schedule(
                    place,
                    year,
                    upload.read(MAX_FILE_BYTES + 1),
                    upload.name or "",
                    actor=request.user,
                    notice=form.cleaned_data["notice"],
                )
            except services.ImportRefused as exc:
                problems = exc.problems
                status = 422
            else:
                messages.success(request, _("已导入%(year)s年的放假安排") % {"year": year})
                return redirect("workdays:year", code=place.code, year=year)
        else:
            status = 422
    else:
        form = forms.ImportForm()
    page = selectors.year_page(request.user, place, year)
    context = {"page": page, "place": place, "form": form, "problems": problems}
    return TemplateResponse(request, "workdays/import.html", context, status=status)


def _local_url(code: str, year: int) -> str:
    return f"{reverse('workdays:local', args=[code])}?{urlencode({'year': year})}"


@require_http_methods(["GET", "POST"])
@login_required
def local(request: HttpRequest, code: str) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    year = forms.parse_year_or_this(request.GET.get("year"))
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = forms.LocalDayForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            services.add_local_days(
                place,
                actor=request.user,
                kind=c["kind"],
                name=c["name"],
                first_day=c["first_day"],
                last_day=c["last_day"],
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已添加本地安排"))
            return redirect(_local_url(place.code, form.cleaned_data["first_day"].year))
    else:
        form = forms.LocalDayForm()
    page = selectors.local_page(request.user, place, year)
    context = {"page": page, "place": place, "form": form}
    return TemplateResponse(request, "workdays/local.html", context, status=outcome.status)


@require_POST
@login_required
def remove_local(request: HttpRequest, code: str) -> HttpResponse:
    place = access_jurisdiction(request.user, code)
    day = forms.parse_date(request.POST.get("date"))
    services.remove_local_day(place, day, actor=request.user)
    messages.success(request, _("已删除%(day)s的本地安排") % {"day": day.isoformat()})
    return redirect(_local_url(place.code, day.year))
