from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.all_audit, name="all_audit"),
    path("t/<slug:tenant_slug>/audit/", views.tenant_audit, name="tenant_audit"),
]
