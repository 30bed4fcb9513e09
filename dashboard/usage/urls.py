from django.urls import path

from . import views

app_name = "usage"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("usage/", views.tenant_usage, name="tenant_usage"),
    path("accounts/<id:account_id>/usage/", views.account_usage, name="account_usage"),
    path("accounts/<id:account_id>/apps/<id:app_pk>/usage/", views.app_usage, name="app_usage"),
    path("statement/", views.statement, name="statement"),
    path("accounts/<id:account_id>/recheck/", views.recheck, name="account_recheck"),
]

# Staff pages over every tenant, in the "staff" namespace (dashboard/urls.py).
staff_urlpatterns = [
    path("usage/", views.overview, name="usage_overview"),
]
