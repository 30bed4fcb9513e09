from django.urls import path

from . import push_views, views

app_name = "mixing"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("layouts/", views.layout_list, name="layout_list"),
    path("layouts/new/", views.layout_new, name="layout_new"),
    path("layouts/<id:template_pk>/", views.layout_edit, name="layout_edit"),
    path(
        "layouts/<id:template_pk>/versions/<id:number>/restore/",
        views.layout_restore,
        name="layout_restore",
    ),
    path("channels/<id:channel_pk>/push/", push_views.push_start, name="push_start"),
    path("pushes/<id:task_pk>/", push_views.push_detail, name="push_detail"),
    path("pushes/<id:task_pk>/refresh/", push_views.push_refresh, name="push_refresh"),
    path("pushes/<id:task_pk>/layout/", push_views.push_apply, name="push_apply"),
    path("pushes/<id:task_pk>/stop/", push_views.push_stop, name="push_stop"),
]
