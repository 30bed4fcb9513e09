from django.urls import path

from . import servers, views

app_name = "rtc"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("accounts/<id:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<id:account_id>/servers/", servers.servers, name="servers"),
    path("accounts/<id:account_id>/servers/recycle/", servers.server_recycle, name="server_recycle"),
    path("accounts/<id:account_id>/servers/upload-address/", servers.upload_url, name="upload_url"),
    path("accounts/<id:account_id>/servers/upload/", servers.recording_upload, name="recording_upload"),
    path("accounts/<id:account_id>/apps/refresh/", views.apps_refresh, name="apps_refresh"),
    path("accounts/<id:account_id>/apps/register/", views.app_register, name="app_register"),
    path(
        "accounts/<id:account_id>/apps/<id:app_pk>/rename/",
        views.app_rename,
        name="app_rename",
    ),
    path(
        "accounts/<id:account_id>/apps/<id:app_pk>/remove/",
        views.app_unregister,
        name="app_unregister",
    ),
]
