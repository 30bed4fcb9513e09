from django.urls import path

from . import views

urlpatterns = [
    path("usage/", views.overview, name="usage_overview"),
    path("t/<slug:tenant_slug>/usage/", views.tenant_usage, name="tenant_usage"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/usage/", views.account_usage, name="account_usage"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/apps/<id:app_pk>/usage/", views.app_usage, name="app_usage"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/recheck/", views.recheck, name="account_recheck"),
]
