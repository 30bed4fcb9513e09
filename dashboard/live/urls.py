from django.urls import path

from . import channel_access, history, tokens, views

app_name = "live"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("accounts/<id:account_id>/channels/", views.channel_list, name="channel_list"),
    path("accounts/<id:account_id>/channels/watch/", views.channel_watch, name="channel_watch"),
    path("accounts/<id:account_id>/channels/open/", views.channel_create, name="channel_create"),
    path("channels/<id:channel_pk>/", views.channel_detail, name="channel_detail"),
    path("channels/<id:channel_pk>/refresh/", views.channel_refresh, name="channel_refresh"),
    path("channels/<id:channel_pk>/watch/", views.channel_toggle_watch, name="channel_toggle_watch"),
    path("channels/<id:channel_pk>/member/", views.member_session, name="member_session"),
    path("channels/<id:channel_pk>/kick/", views.channel_kick, name="channel_kick"),
    path("channels/<id:channel_pk>/close/", views.channel_close, name="channel_close"),
    path("channels/<id:channel_pk>/participants/", channel_access.channel_participants, name="channel_participants"),
    path("channels/<id:channel_pk>/nonce/", channel_access.channel_nonce, name="channel_nonce"),
    path("apps/<id:app_pk>/join-token/", tokens.join_token, name="join_token"),
    path("apps/<id:app_pk>/join-token/read/", tokens.read_token, name="read_token"),
    path("apps/<id:app_pk>/history/", history.channel_history, name="channel_history"),
    path(
        "apps/<id:app_pk>/history/channel/",
        history.channel_history_detail,
        name="channel_history_detail",
    ),
]
