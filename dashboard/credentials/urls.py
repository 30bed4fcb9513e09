from django.urls import path

from . import views

urlpatterns = [
    path("t/<slug:tenant_slug>/accounts/", views.account_list, name="account_list"),
    path("t/<slug:tenant_slug>/accounts/new/", views.account_choose_vendor, name="account_choose_vendor"),
    path("t/<slug:tenant_slug>/accounts/new/<slug:vendor>/", views.account_create, name="account_create"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/edit/", views.account_edit, name="account_edit"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/delete/", views.account_delete, name="account_delete"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/test/", views.account_test, name="account_test"),
]
