from django.urls import path

from . import history, views

urlpatterns = [
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/channels/", views.channel_list, name="channel_list"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/channels/watch/", views.channel_watch, name="channel_watch"),
    path("t/<slug:tenant_slug>/accounts/<id:account_id>/channels/open/", views.channel_create, name="channel_create"),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/", views.channel_detail, name="channel_detail"),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/refresh/", views.channel_refresh, name="channel_refresh"),
    path(
        "t/<slug:tenant_slug>/channels/<id:channel_pk>/watch/", views.channel_toggle_watch, name="channel_toggle_watch"
    ),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/member/", views.member_session, name="member_session"),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/kick/", views.channel_kick, name="channel_kick"),
    path("t/<slug:tenant_slug>/channels/<id:channel_pk>/close/", views.channel_close, name="channel_close"),
    path("t/<slug:tenant_slug>/apps/<id:app_pk>/history/", history.channel_history, name="channel_history"),
    path(
        "t/<slug:tenant_slug>/apps/<id:app_pk>/history/channel/",
        history.channel_history_detail,
        name="channel_history_detail",
    ),
]
