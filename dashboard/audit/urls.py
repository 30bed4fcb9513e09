from django.urls import path

from . import views

app_name = "audit"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("audit/", views.tenant_audit, name="tenant_audit"),
    path("audit/export.csv", views.tenant_audit_csv, name="tenant_audit_csv"),
]

# Staff pages over every tenant, in the "staff" namespace (dashboard/urls.py).
staff_urlpatterns = [
    path("audit/", views.all_audit, name="all_audit"),
    path("audit/export.csv", views.all_audit_csv, name="all_audit_csv"),
]
