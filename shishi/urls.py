from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shishi import views as site_views
from shishi.api import api
from shishi.orgs import views as org_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("login/", org_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("shishi.orgs.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("audit/", include("shishi.orgs.audit_urls")),
    path("jobs/", include("shishi.jobs.urls")),
    path("workdays/", include("shishi.workdays.urls")),
    path("notify/", include("shishi.notify.urls")),
    path("ledger/", include("shishi.ledger.urls")),
    path("board/", include("shishi.board.urls")),
    path("reports/", include("shishi.reports.urls")),
    path("supervision/", include("shishi.supervision.urls")),
    path("demands/", include("shishi.demands.urls")),
    path("public/demands/", include("shishi.demands.public_urls")),
    path("appointments/", include("shishi.appointments.urls")),
    path("public/", include("shishi.appointments.public_urls")),
    path("enterprise/", include("shishi.enterprise.urls")),
    path("education/", include("shishi.education.urls")),
    path("public/", include("shishi.enterprise.public_urls")),
    path("public/", include("shishi.education.public_urls")),
    path("public/", include("shishi.portal.urls")),
    path("open311/v2/", include("shishi.demands.open311.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
