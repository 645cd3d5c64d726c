"""The visit pages (走访): "my visits", the visit form (on a phone), a visit's record and its
photos. Thin: parse, call one selector or service, render.

The form page keeps a draft in the browser (``static/js/visit-draft.js``) under the key the
selector gives; the visit's page, loaded right after saving (``?saved=1``), names the keys
the script removes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shishi.core.forms import Outcome, submit, with_version
from shishi.core.http import stored_file_response
from shishi.supervision import visit_selectors as selectors
from shishi.supervision.services import visits as services
from shishi.supervision.visit_forms import VisitForm


@require_GET
@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    page = selectors.my_visits(request.user)
    return TemplateResponse(request, "supervision/my_visits.html", {"page": page})


def _saved_url(pk: int) -> str:
    return reverse("supervision:visit", args=[pk]) + "?saved=1"


def _form_page(
    request: HttpRequest, place: selectors.VisitPlace, *, action: str, cancel: str
) -> HttpResponse:
    """The form of a new visit at ``place``: shown, or sent to ``record_visit``."""
    user = request.user
    outcome = Outcome(saved=False)
    form_args: dict[str, Any] = {"entries": place.entries, "units": place.units, "unit": place.unit}
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, **form_args)
        saved: list[int] = []

        def save(c: dict[str, Any]) -> None:
            visit = services.record_visit(
                place.round,
                place.group,
                place.unit,
                form.visit_input(),
                actor=user,
                plan=place.plan,
                submission_key=c.get("submission") or "",
            )
            saved.append(visit.pk)

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("走访记录已保存"))
            return redirect(_saved_url(saved[0]))
    else:
        form = VisitForm(**form_args, today=place.today)
    context = {"place": place, "form": form, "action": action, "cancel": cancel}
    return TemplateResponse(request, "supervision/visit_form.html", context, status=outcome.status)


@require_http_methods(["GET", "POST"])
@login_required
def visit_new_planned(request: HttpRequest, plan_pk: int) -> HttpResponseBase:
    place = selectors.plan_place(request.user, plan_pk)
    assert place.plan is not None
    done = selectors.plan_visit(place.plan)
    if done is not None and request.method == "GET":
        messages.info(request, _("这项走访安排已有走访记录"))
        # The user's own visit (saved, though the answer never reached the phone): its
        # page settles the draft this form kept.
        if done.recorded_by_id == getattr(request.user, "pk", None):
            return redirect(_saved_url(done.pk))
        return redirect("supervision:visit", pk=done.pk)
    return _form_page(
        request,
        place,
        action=reverse("supervision:visit_new", args=[plan_pk]),
        cancel=reverse("supervision:my_visits"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def visit_new_unplanned(request: HttpRequest, round_pk: int) -> HttpResponse:
    place = selectors.round_place(
        request.user, round_pk, request.GET.get("group"), request.GET.get("unit")
    )
    query = f"?group={place.group.pk}&unit={place.unit.pk}"
    return _form_page(
        request,
        place,
        action=reverse("supervision:visit_new_unplanned", args=[round_pk]) + query,
        cancel=reverse("supervision:my_visits"),
    )


@require_GET
@login_required
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.visit_page(request.user, pk, just_saved=request.GET.get("saved") == "1")
    return TemplateResponse(request, "supervision/visit.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit, place, answers = selectors.edit_place(user, pk)
    form_args: dict[str, Any] = {
        "entries": place.entries,
        "units": place.units,
        "unit": place.unit,
        "visit": visit,
        "answers": answers,
    }
    outcome = Outcome(saved=False)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, **form_args)

        def save(c: dict[str, Any]) -> None:
            services.edit_visit(
                visit, form.visit_input(), actor=user, expected_version=c.get("version")
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("走访记录已保存"))
            return redirect(_saved_url(visit.pk))
        if outcome.stale_message:
            visit, place, answers = selectors.edit_place(user, pk)
            form_args.update(visit=visit, answers=answers)
            form = VisitForm(with_version(request.POST, visit.version), **form_args)
    else:
        form = VisitForm(**form_args)
    context = {
        "place": place,
        "form": form,
        "visit": visit,
        "stale_message": outcome.stale_message,
        "action": reverse("supervision:visit_edit", args=[pk]),
        "cancel": reverse("supervision:visit", args=[pk]),
    }
    return TemplateResponse(request, "supervision/visit_form.html", context, status=outcome.status)


@require_GET
@login_required
def visit_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    """A photo of a visit, to those who may read the visit."""
    photo = selectors.visit_photo(request.user, pk, photo_pk)
    return stored_file_response(photo.file, photo.name, photo.content_type)
