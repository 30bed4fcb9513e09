"""Every route of the console, by app namespace: `{% url "live:channel_list" tenant.slug account.pk %}`.

The pages of one tenant sit under t/<slug:tenant_slug>/, each app giving its `tenant_urlpatterns`;
the rest (the home page and search, sign-in, the tenant list, probes, staff pages over every tenant, vendors' callbacks,
Django's admin) beside them. Every view needs a signed-in user (LoginRequiredMiddleware) unless it
is marked `@login_not_required`; tests/dashboard/test_urls.py lists the public ones.
"""

from django.contrib import admin
from django.urls import include, path

from dashboard.alerts import urls as alerts
from dashboard.api import urls as api_tokens
from dashboard.audit import urls as audit
from dashboard.billing import urls as billing
from dashboard.credentials import urls as credentials
from dashboard.home import urls as home
from dashboard.live import urls as live
from dashboard.mixing import urls as mixing
from dashboard.ops import urls as ops
from dashboard.recordings import urls as recordings
from dashboard.rtc import urls as rtc
from dashboard.usage import urls as usage

tenant_urlpatterns = [
    path("", include((app.tenant_urlpatterns, app.app_name)))
    for app in (credentials, rtc, live, usage, billing, audit, mixing, recordings, api_tokens, alerts)
]

staff_urlpatterns = [
    *usage.staff_urlpatterns,
    *audit.staff_urlpatterns,
    *ops.staff_urlpatterns,
    *recordings.staff_urlpatterns,
    *api_tokens.staff_urlpatterns,
]

urlpatterns = [
    path("t/<slug:tenant_slug>/", include(tenant_urlpatterns)),
    path("", include((home.urlpatterns, home.app_name))),
    path("", include("dashboard.tenancy.urls")),
    path("", include("dashboard.people.urls")),
    path("", include("dashboard.ops.urls")),
    path("", include("dashboard.metrics.urls")),
    path("", include((staff_urlpatterns, "staff"))),
    path("hooks/", include((recordings.hook_urlpatterns, "hooks"))),
    # The REST API: token-authenticated, its own errors (dashboard/api).
    path("api/v1/", include((api_tokens.api_urlpatterns(), "api"))),
    path("admin/", admin.site.urls),
]

handler400 = "dashboard.core.views.bad_request"
handler403 = "dashboard.core.views.permission_denied"
handler404 = "dashboard.core.views.page_not_found"
handler500 = "dashboard.core.views.server_error"
