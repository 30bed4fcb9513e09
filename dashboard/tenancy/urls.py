from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("tenants/", views.tenant_list, name="tenant_list"),
]
