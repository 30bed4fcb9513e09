from django.urls import path

from . import views

urlpatterns = [
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/", views.account_detail, name="account_detail"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/apps/refresh/", views.apps_refresh, name="apps_refresh"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/apps/register/", views.app_register, name="app_register"),
    path(
        "t/<slug:tenant_slug>/accounts/<id:account_id>/apps/<id:app_pk>/rename/",
        views.app_rename,
        name="app_rename",
    ),
    path(
        "t/<slug:tenant_slug>/accounts/<id:account_id>/apps/<id:app_pk>/remove/",
        views.app_unregister,
        name="app_unregister",
    ),
]
