from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

# Staff pages over every tenant, in the "staff" namespace (dashboard/urls.py).
staff_urlpatterns = [
    path("ops/jobs/", views.jobs_page, name="ops_jobs"),
]
