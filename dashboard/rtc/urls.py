from django.urls import path

from . import views

app_name = "rtc"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("accounts/<id:account_id>/", views.account_detail, name="account_detail"),
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
