"""Downloads of supervision's documents: the problem list (.xlsx), a unit's rectification
notice and a round's summary (.docx). Thin: check access, make the file, send it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from shishi.core.http import content_disposition
from shishi.supervision import permissions
from shishi.supervision.documents import access, files


def _send(download: files.Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition(download.name, download.fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    """问题清单 of a round; ``?group=`` or ``?unit=`` narrows it."""
    round = permissions.access_round(request.user, pk)
    group, unit = access.narrowing(round, request.GET)
    return _send(files.problem_list_file(round, group=group, unit=unit))


@login_required
@require_GET
def notice(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """整改通知书 of a unit in a round."""
    round, unit = access.access_notice(request.user, pk, unit_pk)
    return _send(files.notice_file(round, unit, today=timezone.localdate()))


@login_required
@require_GET
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's summary with its figures."""
    round = permissions.access_round(request.user, pk)
    return _send(files.summary_file(round, today=timezone.localdate()))
