"""The demands' statistics page and its xlsx export (thin: parse, one selector, render)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.core.errors import ValidationFailed
from shishi.core.http import content_disposition
from shishi.demands import rates, stats_selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(params: QueryDict) -> tuple[int | None, rates.Month | None]:
    raw_district = (params.get("district") or "").strip()
    raw_month = (params.get("month") or "").strip()
    errors: dict[str, str] = {}
    district = None
    if raw_district:
        if raw_district.isdigit() and len(raw_district) < 10:
            district = int(raw_district)
        else:
            errors["district"] = "区的编号应是数字"
    month = None
    if raw_month:
        month = rates.Month.parse(raw_month)
        if month is None:
            errors["month"] = "月份应写成如2026-06的形式"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    return district, month


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    district, month = _query(request.GET)
    page = stats_selectors.stats_page(request.user, district=district, month=month)
    return TemplateResponse(request, "demands/stats.html", {"page": page})


@login_required
@require_GET
def stats_export(request: HttpRequest) -> HttpResponse:
    district, month = _query(request.GET)
    page = stats_selectors.stats_page(request.user, district=district, month=month)
    response = HttpResponse(stats_selectors.stats_workbook(page), content_type=XLSX)
    name = f"{page.jurisdiction.name}{page.month.label}诉求三率.xlsx"
    response["Content-Disposition"] = content_disposition(name, f"demand-rates-{page.month}.xlsx")
    return response
