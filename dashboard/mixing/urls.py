from django.urls import path

from . import push_views, views

urlpatterns = [
    path("t/<slug:tenant_slug>/layouts/", views.layout_list, name="layout_list"),
    path("t/<slug:tenant_slug>/layouts/new/", views.layout_new, name="layout_new"),
    path("t/<slug:tenant_slug>/layouts/<id:template_pk>/", views.layout_edit, name="layout_edit"),
    path(
        "t/<slug:tenant_slug>/layouts/<id:template_pk>/versions/<id:number>/restore/",
        views.layout_restore,
        name="layout_restore",
    ),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/push/", push_views.push_start, name="push_start"),
    path("t/<slug:tenant_slug>/pushes/<id:task_pk>/", push_views.push_detail, name="push_detail"),
    path("t/<slug:tenant_slug>/pushes/<id:task_pk>/refresh/", push_views.push_refresh, name="push_refresh"),
    path("t/<slug:tenant_slug>/pushes/<id:task_pk>/layout/", push_views.push_apply, name="push_apply"),
    path("t/<slug:tenant_slug>/pushes/<id:task_pk>/stop/", push_views.push_stop, name="push_stop"),
]
