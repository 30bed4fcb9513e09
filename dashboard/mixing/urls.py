from django.urls import path

from . import views

urlpatterns = [
    path("t/<slug:tenant_slug>/layouts/", views.layout_list, name="layout_list"),
    path("t/<slug:tenant_slug>/layouts/new/", views.layout_new, name="layout_new"),
    path("t/<slug:tenant_slug>/layouts/<int:template_pk>/", views.layout_edit, name="layout_edit"),
    path(
        "t/<slug:tenant_slug>/layouts/<int:template_pk>/versions/<int:number>/restore/",
        views.layout_restore,
        name="layout_restore",
    ),
]
