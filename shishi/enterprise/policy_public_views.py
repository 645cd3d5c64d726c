"""Public pages of the policy library, without login (``/public/policies/<district>/``):
the published policies in force, searchable like the office's library, and a policy with
its conditions in words, guide, materials, contact and source. A draft, an expired policy
or another district's answers 404."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.core.errors import NotFound
from shishi.core.http import stored_file_response
from shishi.core.ratelimit import rate_limited
from shishi.enterprise import policy_forms, policy_selectors


@require_GET
@rate_limited("search", when=lambda r: bool(r.GET.get("q") or r.GET.get("industry")))
def policies(request: HttpRequest, district: str) -> HttpResponse:
    place = policy_selectors.public_district(district)
    form = policy_forms.SearchForm(request.GET)
    listing = policy_selectors.public_library(
        place, policy_forms.filters_of(form), request.GET.get("page")
    )
    context = {"district": place, "form": form, "p": listing}
    return TemplateResponse(request, "enterprise/policies/public_list.html", context)


@require_GET
def policy(request: HttpRequest, district: str, pk: int) -> HttpResponse:
    place = policy_selectors.public_district(district)
    found = policy_selectors.public_policy(place, pk)
    context = {
        "district": place,
        "policy": found,
        "conditions": policy_selectors.condition_lines(found),
    }
    return TemplateResponse(request, "enterprise/policies/public_policy.html", context)


@require_GET
def policy_source(request: HttpRequest, district: str, pk: int) -> FileResponse:
    place = policy_selectors.public_district(district)
    found = policy_selectors.public_policy(place, pk)
    if not found.source_file:
        raise NotFound("这项政策没有原文文件")
    return stored_file_response(found.source_file, found.source_file.name.rsplit("/", 1)[-1], "")
