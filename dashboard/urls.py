from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboard.people.urls")),
    path("", include("dashboard.tenancy.urls")),
    path("", include("dashboard.credentials.urls")),
    path("", include("dashboard.rtc.urls")),
    path("", include("dashboard.audit.urls")),
    path("", include("dashboard.usage.urls")),
    path("", include("dashboard.live.urls")),
    path("", include("dashboard.ops.urls")),
    path("", include("dashboard.mixing.urls")),
    path("", include("dashboard.recordings.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "dashboard.core.views.bad_request"
handler403 = "dashboard.core.views.permission_denied"
handler404 = "dashboard.core.views.page_not_found"
handler500 = "dashboard.core.views.server_error"
