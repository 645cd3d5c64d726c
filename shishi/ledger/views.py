from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ledger")
