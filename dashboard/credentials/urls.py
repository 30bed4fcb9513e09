from django.urls import path

from . import views

app_name = "credentials"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_choose_vendor, name="account_choose_vendor"),
    path("accounts/new/<slug:vendor>/", views.account_create, name="account_create"),
    path("accounts/<id:account_id>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<id:account_id>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<id:account_id>/test/", views.account_test, name="account_test"),
]
