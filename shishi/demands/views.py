"""The demands pages (thin: parse, call one selector or service, render)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.forms import submit, with_version
from shishi.core.http import is_htmx_fragment, stored_file_response
from shishi.demands import category_services, cluster_forms, clusters, selectors, services
from shishi.demands import forms as dm_forms
from shishi.demands.models import Category, Demand


@login_required
@require_GET
def demand(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_page(request, selectors.staff_page(request.user, pk))


# --- staff: queues, the demand page's actions, photos, categories ---------------------------


def _queue_query(request: HttpRequest) -> str:
    data = request.GET.copy()
    data.pop("page", None)
    return data.urlencode()


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The queue: the district's for operators, the office, leaders and inspectors; the
    unit's for its editors and viewers. Filters that do not parse are dropped and named."""
    form = dm_forms.QueueFilterForm(request.GET)
    filters = form.filters()
    page = selectors.queue_page(request.user, filters, request.GET.get("page") or 1)
    context = {"page": page, "form": form, "filters": filters, "query": _queue_query(request)}
    if is_htmx_fragment(request):
        return TemplateResponse(request, "demands/index.html#queue", context)
    return TemplateResponse(request, "demands/index.html", context)


def _staff_page(
    request: HttpRequest, page: selectors.StaffPage, *, status: int = 200, **given: Any
) -> HttpResponse:
    d = page.base.demand
    forms_ = {}
    for action in page.actions:
        form = given.get(action)
        if form is None:
            form_class = dm_forms.ACTION_FORMS[action]
            kwargs = _form_kwargs(action, d)
            initial: dict[str, Any] = {"version": d.version}
            if action == "dispatch":
                initial["unit"] = selectors.suggested_unit(d)
            form = form_class(initial=initial, **kwargs)
        forms_[action] = form
    return TemplateResponse(
        request,
        "demands/demand.html",
        {"page": page.base, "staff": page, "forms": forms_},
        status=status,
    )


def _form_kwargs(action: str, demand: Demand) -> dict[str, Any]:
    if action == "dispatch":
        return {"units": selectors.dispatch_choices(demand)}
    return {}


def _save(action: str, d: Demand, user: Any, c: dict[str, Any]) -> str:
    v = c.get("version")
    if action == "dispatch":
        unit = selectors.dispatch_unit(d, c["unit"])
        services.dispatch(d, unit, actor=user, note=c.get("note") or "", expected_version=v)
        return _("已派单")
    if action == "accept":
        services.accept(d, actor=user, expected_version=v)
        return _("已签收")
    if action == "send_back":
        services.send_back(d, actor=user, reason=c["reason"], expected_version=v)
        return _("已退单")
    if action == "resolve":
        services.resolve(d, actor=user, reply=c["reply"], expected_version=v)
        return _("已答复")
    if action == "call_back":
        services.call_back(
            d,
            actor=user,
            satisfaction=c["satisfaction"],
            note=c.get("note") or "",
            expected_version=v,
        )
        return _("已记录回访")
    if action == "close":
        services.close_unreached(d, actor=user, note=c["note"], expected_version=v)
        return _("已办结")
    if action == "reopen":
        services.reopen(d, actor=user, reason=c["reason"], expected_version=v)
        return _("已重新办理")
    if action == "extend":
        services.extend(
            d, actor=user, workdays=c["workdays"], reason=c["reason"], expected_version=v
        )
        return _("已延期")
    if action == "request_extension":
        services.request_extension(
            d, actor=user, workdays=c["workdays"], reason=c["reason"], expected_version=v
        )
        return _("已申请延期，等待专班审批")
    if action == "decide_extension":
        services.decide_extension(
            d,
            actor=user,
            approve=c["decision"] == "approve",
            workdays=c.get("workdays"),
            note=c.get("note") or "",
            expected_version=v,
        )
        return _("已审批延期申请")
    if action == "appeal":
        services.file_appeal(d, actor=user, reason=c["reason"], expected_version=v)
        return _("已提交申诉，等待专班裁定")
    if action == "rule":
        services.rule_on_appeal(
            d,
            actor=user,
            upheld=c["verdict"] == "upheld",
            reason=c["reason"],
            expected_version=v,
        )
        return _("已裁定")
    raise NotFound("没有这个操作")  # pragma: no cover - the view checks the name


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on the demand page, through its service: saved → the page again with a
    message; invalid → the page with the errors beside the fields (422); stale → the page
    read again, the input kept against the current version (409)."""
    if action not in dm_forms.ACTION_FORMS:
        raise NotFound("没有这个操作")
    page = selectors.staff_page(request.user, pk)
    d = page.base.demand
    form_class = dm_forms.ACTION_FORMS[action]
    kwargs = _form_kwargs(action, d)
    form = form_class(request.POST, **kwargs)
    said: list[str] = []
    outcome = submit(form, lambda c: said.append(_save(action, d, request.user, c)))
    if outcome.saved:
        messages.success(request, said[0])
        return redirect("demands:demand", pk=pk)
    if outcome.stale_message:
        messages.error(request, outcome.stale_message)
        page = selectors.staff_page(request.user, pk)
        form = form_class(with_version(request.POST, page.base.demand.version), **kwargs)
        form.is_valid()  # the kept input shown, with any error of its own
    if action not in page.actions:
        # The action is no longer open (taken by someone else, or never was): the message
        # says why and the page shows what is open now.
        if not outcome.stale_message:
            messages.error(request, _first_error(form))
        return _staff_page(request, page, status=outcome.status)
    return _staff_page(request, page, status=outcome.status, **{action: form})


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        for e in errors:
            return str(e)
    return str(_("这项操作现在不能进行"))


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    found = selectors.access_photo(request.user, pk, photo_pk)
    return stored_file_response(found.file, found.name, found.content_type)


@login_required
@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    page = selectors.categories_page(request.user, request.GET.get("jurisdiction"))
    return TemplateResponse(request, "demands/categories.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def category_new(request: HttpRequest) -> HttpResponse:
    district = selectors.pick_office_district(request.user, request.GET.get("jurisdiction"))
    return _category_form(request, district.pk, None)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.access_category(request.user, pk)
    return _category_form(request, found.jurisdiction_id, found)


def _category_form(
    request: HttpRequest, jurisdiction_id: int, found: Category | None
) -> HttpResponse:
    choices = {
        "parents": selectors.category_choices(jurisdiction_id, exclude=found.pk if found else None),
        "units": selectors.unit_choices(jurisdiction_id),
    }
    status = 200
    if request.method == "POST":
        form = dm_forms.CategoryForm(request.POST, **choices)

        def save(c: dict[str, Any]) -> None:
            category_services.save_category(
                jurisdiction_id, form.category_input(), actor=request.user, category=found
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存"))
            code = selectors.district_code(jurisdiction_id)
            return redirect(f"{reverse('demands:categories')}?jurisdiction={code}")
        status = outcome.status
    else:
        initial = dm_forms.category_initial(found) if found else {}
        form = dm_forms.CategoryForm(initial=initial, **choices)
    return TemplateResponse(
        request,
        "demands/category_form.html",
        {"form": form, "category": found},
        status=status,
    )


def _demand_ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("demand") if v.isdigit() and len(v) < 19]


def _clusters_page(
    request: HttpRequest,
    page: selectors.ClustersPage,
    *,
    bound: tuple[int, cluster_forms.ClusterItemForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page with a new-item form per cluster: prefilled from the cluster, or the one
    ``bound`` (keyed by its cluster's first demand) as it was sent, with its errors."""
    choices = clusters.new_item_choices(request.user, page.district.pk)
    drafts = clusters.drafts(page.district.pk, [(r.cluster, r.category) for r in page.rows])
    new_items = {}
    if choices is not None:
        for row in page.rows:
            key = row.cluster.demand_ids[0]
            draft = drafts[key]
            kwargs: dict[str, Any] = {
                "units": choices.units_for(draft.lead_unit_id),
                "categories": choices.categories,
                "people": choices.people,
                "auto_id": f"c{key}_%s",
            }
            if bound is not None and bound[0] == key:
                form = bound[1]
            else:
                initial = {
                    "number": choices.number,
                    "name": draft.name,
                    "lead_unit": draft.lead_unit_id,
                    "deadline_text": "年底前",
                }
                form = cluster_forms.ClusterItemForm(initial=initial, **kwargs)
            new_items[key] = {"form": form, "answered": draft.answered}
    rows = [(row, new_items.get(row.cluster.demand_ids[0])) for row in page.rows]
    context = {"page": page, "rows": rows, "choices": choices}
    return TemplateResponse(request, "demands/clusters.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def clusters_view(request: HttpRequest) -> HttpResponse:
    """The office's clusters of similar demands, each linked to a ledger item on request."""
    page = selectors.clusters_page(request.user, request.GET.get("jurisdiction"))
    if request.method == "POST":
        ids = _demand_ids(request)
        item_raw = request.POST.get("item", "")
        item_pk = int(item_raw) if item_raw.isdigit() and len(item_raw) < 19 else None
        try:
            item = selectors.item_of_district(page.district.pk, item_pk)
            n = clusters.link_to_item(ids, item, actor=request.user)
        except (ValidationFailed, NotFound) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(n)s件诉求已关联到“%(item)s”") % {"n": n, "item": item.name}
            )
        return redirect(f"{reverse('demands:clusters')}?jurisdiction={page.district.code}")
    return _clusters_page(request, page)


@login_required
@require_POST
def cluster_new_item(request: HttpRequest) -> HttpResponse:
    """A new ledger item made from a cluster, its demands linked to it: saved → the item's
    page; invalid → the clusters page with the errors beside this cluster's fields (422),
    nothing written."""
    page = selectors.clusters_page(request.user, request.GET.get("jurisdiction"))
    ids = _demand_ids(request)
    choices = clusters.new_item_choices(request.user, page.district.pk)
    if choices is None:
        messages.error(request, _("本区还没有实事计划，请先在台账中建立年度计划"))
        return redirect(f"{reverse('demands:clusters')}?jurisdiction={page.district.code}")
    key = min(ids) if ids else 0
    lead = next(
        (r.category.lead_unit_id for r in page.rows if r.cluster.demand_ids[0] == key), None
    )
    form = cluster_forms.ClusterItemForm(
        request.POST,
        units=choices.units_for(lead),
        categories=choices.categories,
        people=choices.people,
        auto_id=f"c{key}_%s",
    )
    made: list[tuple[Any, int]] = []
    outcome = submit(
        form,
        lambda c: made.append(
            clusters.create_item_from_cluster(
                page.district.pk, ids, form.item_input(), actor=request.user
            )
        ),
    )
    if outcome.saved:
        item, n = made[0]
        messages.success(
            request, _("已新增事项“%(item)s”，关联诉求%(n)s件") % {"item": item.name, "n": n}
        )
        return redirect("ledger:item", pk=item.pk)
    if not any(r.cluster.demand_ids[0] == key for r in page.rows):
        # The group is no longer on the page (its demands aged out or changed): say why.
        messages.error(request, _first_error(form))
    return _clusters_page(request, page, bound=(key, form), status=outcome.status)
