"""The study pages (``/education/study/``) and the campaign's (``/education/campaign/``):
entering and correcting an activity, an activity's page with the office's review, the
review queue with bulk approval, the office's list with its export, a unit's own list, the
campaign's targets and live counts with their drill-down. Thin: each parses, calls one
service or selector, renders."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.http import content_disposition, stored_file_response
from shishi.education import campaign, permissions, study_forms, study_selectors, study_services
from shishi.education.models import CampaignLine, StudyActivity
from shishi.education.sheet_views import district_code
from shishi.ledger.excel.layout import is_formula_like
from shishi.orgs.permissions import scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_code = district_code


# --- lists ---------------------------------------------------------------------------------------


@login_required
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    """The office's list of its district's activities; for a unit, its own list."""
    if not study_selectors.is_office_somewhere(request.user):
        return study_mine(request)
    place = study_selectors.office_place(request.user, _code(request))
    rows = study_selectors.office_activities(place.district)
    form = study_forms.FilterForm(request.GET)
    listing = study_selectors.listing(
        rows, form.filters(), request.GET.get("page"), study_selectors.filter_units(rows)
    )
    context = {"place": place, "form": form, "p": listing, "office": True}
    return TemplateResponse(request, "education/study/list.html", context)


@login_required
@require_GET
def study_mine(request: HttpRequest) -> HttpResponse:
    if not permissions.entering_unit_ids(request.user):
        raise PermissionDenied(study_selectors.NO_ROLE)
    rows = study_selectors.own_activities(request.user)
    form = study_forms.FilterForm(request.GET)
    listing = study_selectors.listing(
        rows, form.filters(), request.GET.get("page"), study_selectors.filter_units(rows)
    )
    context = {"place": None, "form": form, "p": listing, "office": False}
    return TemplateResponse(request, "education/study/list.html", context)


@login_required
@require_GET
def study_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("只能导出 csv 或 xlsx")
    place = study_selectors.office_place(request.user, _code(request))
    form = study_forms.FilterForm(request.GET)
    rows = study_selectors.export_rows(
        study_selectors.office_activities(place.district), form.filters()
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"学习活动-{place.district.name}-{stamp}.{fmt}"
    fallback = f"study-{place.district.code}-{stamp}.{fmt}"

    def safe(cell: str) -> str:  # a cell a spreadsheet will not run as a formula
        return "'" + cell if is_formula_like(cell) else cell

    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(study_selectors.HEADER)
        writer.writerows([[safe(c) for c in row] for row in rows])
        body = ("\ufeff" + text.getvalue()).encode("utf-8")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
        sheet = book.add_worksheet("学习活动")
        sheet.write_row(0, 0, study_selectors.HEADER, book.add_format({"bold": True}))
        for n, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if col == 8:
                    sheet.write_number(n, col, int(value))
                else:
                    sheet.write_string(n, col, value)
        sheet.set_column(0, 2, 14)
        sheet.set_column(3, 5, 28)
        book.close()
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


# --- entering and correcting --------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: study_forms.ActivityForm,
    *,
    place: study_selectors.Place,
    activity: StudyActivity | None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "place": place,
        "activity": activity,
        "photos": list(activity.photos.all()) if activity else [],
        "stale": stale,
    }
    return TemplateResponse(request, "education/study/form.html", context, status=status)


def _form(
    request: HttpRequest, place: study_selectors.Place, data: Any = None, **kw: Any
) -> study_forms.ActivityForm:
    units = study_selectors.entering_units(request.user, place.district)
    return study_forms.ActivityForm(
        data,
        request.FILES if data is not None else None,
        units=study_selectors.grouped_units(units),
        landmarks=study_selectors.landmark_choices(place.district.pk),
        **kw,
    )


@login_required
@require_http_methods(["GET", "POST"])
def study_new(request: HttpRequest) -> HttpResponse:
    place = study_selectors.entering_district(request.user, _code(request))
    if request.method != "POST":
        initial: dict[str, object] = {"held_on": timezone.localdate(), "participants": 0}
        own = scope_for(request.user).editor_unit_ids
        if len(own) == 1:  # a committee's editor: its own committee first (branches to pick)
            initial["unit"] = next(iter(own))
        return _form_page(
            request, _form(request, place, initial=initial), place=place, activity=None
        )
    form = _form(request, place, request.POST)
    if not form.is_valid():
        return _form_page(request, form, place=place, activity=None, status=422)
    try:
        created = study_services.enter_activity(form.to_input(), actor=request.user)
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return _form_page(request, form, place=place, activity=None, status=422)
    messages.success(request, _("已提交，等待专班审核"))
    return redirect(reverse("education:study_activity", args=[created.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def study_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = study_selectors.access_activity(request.user, pk)
    if not study_services.may_edit(request.user, found):
        raise PermissionDenied(
            study_services.APPROVED_FIXED
            if found.status == StudyActivity.Status.APPROVED
            else study_services.NOT_YOURS
        )
    place = study_selectors.Place(found.jurisdiction, [])
    if request.method != "POST":
        form = _form(request, place, initial=study_forms.initial_of(found))
        return _form_page(request, form, place=place, activity=found)
    form = _form(request, place, request.POST)
    if not form.is_valid():
        return _form_page(request, form, place=place, activity=found, status=422)
    try:
        study_services.update_activity(
            found,
            form.to_input(study_forms.remove_ids(request.POST)),
            version=int(form.cleaned_data.get("version") or 0),
            actor=request.user,
        )
    except StaleEdit as exc:
        current = study_selectors.access_activity(request.user, pk)
        data = request.POST.copy()
        data["version"] = str(current.version)
        form = _form(request, place, data)
        form.is_valid()
        return _form_page(
            request, form, place=place, activity=current, status=409, stale=exc.message
        )
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return _form_page(request, form, place=place, activity=found, status=422)
    messages.success(request, _("已保存，等待专班审核"))
    return redirect(reverse("education:study_activity", args=[found.pk]))


# --- an activity and its review -----------------------------------------------------------------


def _activity_page(
    request: HttpRequest,
    found: StudyActivity,
    *,
    return_form: study_forms.ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    office = permissions.is_office(request.user, found.jurisdiction_id)
    context = {
        "a": found,
        "names": study_services.names_of(found.participant_names),
        "photos": list(found.photos.all()),
        "office": office,
        "can_edit": study_services.may_edit(request.user, found),
        "return_form": return_form or study_forms.ReturnForm(initial={"version": found.version}),
    }
    return TemplateResponse(request, "education/study/activity.html", context, status=status)


@login_required
@require_GET
def study_activity(request: HttpRequest, pk: int) -> HttpResponse:
    return _activity_page(request, study_selectors.access_activity(request.user, pk))


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version") or "")
    except ValueError:
        return None


@login_required
@require_POST
def study_approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = study_selectors.access_activity(request.user, pk)
    try:
        study_services.approve_activity(found, actor=request.user, version=_version(request))
    except StaleEdit as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已通过审核"))
    if request.POST.get("from") == "queue":
        code = found.jurisdiction.code
        return redirect(reverse("education:study_review") + f"?jurisdiction={code}")
    return redirect(reverse("education:study_activity", args=[pk]))


@login_required
@require_POST
def study_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = study_selectors.access_activity(request.user, pk)
    form = study_forms.ReturnForm(request.POST)
    if not form.is_valid():
        return _activity_page(request, found, return_form=form, status=422)
    try:
        study_services.return_activity(
            found,
            form.cleaned_data["note"],
            actor=request.user,
            version=form.cleaned_data["version"],
        )
    except StaleEdit as exc:
        messages.error(request, exc.message)
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return _activity_page(request, found, return_form=form, status=422)
    else:
        messages.success(request, _("已退回，已通知录入单位"))
    return redirect(reverse("education:study_activity", args=[pk]))


@login_required
@require_GET
def study_review(request: HttpRequest) -> HttpResponse:
    place = study_selectors.office_place(request.user, _code(request))
    rows = study_selectors.office_activities(place.district).filter(
        status=StudyActivity.Status.SUBMITTED
    )
    form = study_forms.FilterForm(request.GET)
    listing = study_selectors.listing(
        rows,
        form.filters(status=StudyActivity.Status.SUBMITTED),
        request.GET.get("page"),
        study_selectors.filter_units(rows),
    )
    context = {"place": place, "form": form, "p": listing}
    return TemplateResponse(request, "education/study/review.html", context)


@login_required
@require_POST
def study_approve_many(request: HttpRequest) -> HttpResponse:
    place = study_selectors.office_place(request.user, _code(request))
    ids = []
    for raw in request.POST.getlist("ids")[:1000]:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    try:
        done = study_services.approve_activities(ids, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已通过 %(n)s 条学习活动") % {"n": done})
    return redirect(reverse("education:study_review") + f"?jurisdiction={place.district.code}")


@login_required
@require_GET
def study_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    photo = study_selectors.access_photo(request.user, pk)
    return stored_file_response(photo.image, photo.image.name, "")


# --- the campaign ------------------------------------------------------------------------------


def _campaign_page(
    request: HttpRequest,
    place: study_selectors.Place,
    year: int,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    district = place.district
    context = {
        "place": place,
        "year": year,
        "years": [year - 1, year, year + 1],
        "lines": campaign.district_figures(district.pk, year),
        "orgs": campaign.organisation_figures(district.pk, year),
        "line_choices": CampaignLine.choices,
        "org_choices": study_selectors.party_org_choices(district),
        "error": error,
    }
    return TemplateResponse(request, "education/campaign/index.html", context, status=status)


@login_required
@require_GET
def campaign_page(request: HttpRequest) -> HttpResponse:
    place = study_selectors.office_place(request.user, _code(request))
    return _campaign_page(request, place, study_forms.year_of(request.GET.get("year")))


@login_required
@require_POST
def campaign_target(request: HttpRequest) -> HttpResponse:
    place = study_selectors.office_place(request.user, _code(request))
    form = study_forms.TargetForm(request.POST)
    year = study_forms.year_of(request.POST.get("year"))
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        label = {"target": _("目标"), "year": _("年度"), "line": _("十百千万")}
        field = next(iter(form.errors))
        return _campaign_page(
            request, place, year, status=422, error=f"{label.get(field, field)}：{first}"
        )
    d = form.cleaned_data
    unit = None
    if d.get("unit"):
        unit = study_selectors.district_unit(place.district, d["unit"])
        if unit is None:
            return _campaign_page(
                request, place, year, status=422, error=_("组织：请选择本区的党组织")
            )
    try:
        campaign.set_target(
            place.district.pk,
            d["year"],
            d["line"],
            d["target"],
            version=d["version"],
            actor=request.user,
            unit=unit,
        )
    except StaleEdit as exc:
        return _campaign_page(request, place, year, status=409, error=exc.message)
    except ValidationFailed as exc:
        return _campaign_page(request, place, year, status=422, error=exc.message)
    messages.success(request, _("目标已保存"))
    return redirect(
        reverse("education:campaign") + f"?jurisdiction={place.district.code}&year={d['year']}"
    )


@login_required
@require_GET
def campaign_activities(request: HttpRequest) -> HttpResponse:
    place = study_selectors.office_place(request.user, _code(request))
    year = study_forms.year_of(request.GET.get("year"))
    line = request.GET.get("line") or ""
    if line not in campaign.MEASURES:
        raise NotFound("没有这一项")
    org = None
    raw = request.GET.get("org") or ""
    if raw:
        org = study_selectors.district_unit(place.district, raw)
        if org is None:
            raise NotFound("没有这个组织")
    rows = campaign.counted_activities(place.district.pk, year, line, org.pk if org else None)
    activities = list(rows[:2000])
    speakers = sorted({a.speaker for a in activities if a.speaker})
    context = {
        "place": place,
        "year": year,
        "line": CampaignLine(line),
        "measure": campaign.MEASURES[line],
        "org": org,
        "activities": activities,
        "speakers": speakers,
        "participants": sum(a.participants for a in activities),
        "truncated": len(activities) == 2000,
    }
    return TemplateResponse(request, "education/campaign/activities.html", context)
