"""The office's dispatch rules by street (按街道派单) of a category: list, add, remove."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shishi.core.forms import submit
from shishi.demands import category_services, selectors
from shishi.demands import forms as dm_forms


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.rules_page(request.user, pk)
    choices = {"streets": page.streets, "units": page.units}
    status = 200
    if request.method == "POST":
        form = dm_forms.DispatchRuleForm(request.POST, **choices)

        def save(c: dict[str, Any]) -> None:
            category_services.add_rule(
                page.category, street_id=c["street"], unit_id=c["unit"], actor=request.user
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已添加派单规则"))
            return redirect("demands:category_rules", pk=pk)
        status = outcome.status
    else:
        form = dm_forms.DispatchRuleForm(**choices)
    return TemplateResponse(
        request, "demands/category_rules.html", {"page": page, "form": form}, status=status
    )


@login_required
@require_POST
def remove_rule(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    page = selectors.rules_page(request.user, pk)
    category_services.remove_rule(page.category, rule_pk, actor=request.user)
    messages.success(request, _("已删除派单规则"))
    return redirect("demands:category_rules", pk=pk)
