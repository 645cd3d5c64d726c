"""The operator's entry (接线员录入): a phone call or a walk-in taken in, with the likely
duplicates shown before saving (``intake.likely_duplicates``); the operator confirms it is a
new demand, or opens the existing one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from shishi.core.forms import submit
from shishi.demands import intake, selectors_public, services
from shishi.demands.public_forms import OperatorDemandForm


@login_required
@require_http_methods(["GET", "POST"])
def operator_new(request: HttpRequest) -> HttpResponseBase:
    district = selectors_public.operator_district(request.user, request.GET.get("district"))
    form = OperatorDemandForm(
        request.POST or None, request.FILES or None, jurisdiction_id=district.pk
    )
    context: dict[str, Any] = {"district": district, "form": form, "duplicates": []}
    if request.method != "POST":
        return TemplateResponse(request, "demands/operator_new.html", context)
    saved: dict[str, int] = {}

    def save(data: dict[str, Any]) -> None:
        if not data.get("confirmed"):
            found = intake.likely_duplicates(
                district.pk,
                phone=data.get("phone") or "",
                landline=data.get("landline") or "",
                description=data["description"],
                address=data.get("address") or "",
                street_id=data["street"].pk if data.get("street") else None,
            )
            if found:
                context["duplicates"] = found
                return
        demand = services.take_in(
            district.pk,
            services.IntakeInput(
                kind=data["kind"],
                category_id=data["category"].pk,
                description=data["description"],
                channel=data["channel"],
                urgency=data["urgency"],
                address=data.get("address") or "",
                lat=data.get("lat"),
                lon=data.get("lon"),
                street_id=data["street"].pk if data.get("street") else None,
                contact_name=data.get("contact_name") or "",
                phone=data.get("phone") or "",
                landline=data.get("landline") or "",
                hotline_number=data.get("hotline_number") or "",
                photos=data.get("photos") or (),
            ),
            actor=request.user,
        )
        saved["pk"] = demand.pk

    outcome = submit(form, save)
    if outcome.saved and "pk" in saved:
        return redirect("demands:demand", pk=saved["pk"])
    return TemplateResponse(
        request,
        "demands/operator_new.html",
        context,
        status=200 if outcome.saved else outcome.status,
    )
