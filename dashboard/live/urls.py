from django.urls import path

from . import channel_access, history, room_views, tokens, views

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
    path("channels/<id:channel_pk>/room/", room_views.channel_room, name="channel_room"),
    path("channels/<id:channel_pk>/room/presence/", room_views.member_presence, name="member_presence"),
    path(
        "channels/<id:channel_pk>/room/recording-status/",
        room_views.channel_recording_status,
        name="channel_recording_status",
    ),
    path("channels/<id:channel_pk>/room/lock/", room_views.channel_lock, name="channel_lock"),
    path("channels/<id:channel_pk>/room/unlock/", room_views.channel_unlock, name="channel_unlock"),
    path("channels/<id:channel_pk>/room/block/", room_views.channel_block, name="channel_block"),
    path("channels/<id:channel_pk>/room/message/", room_views.channel_message, name="channel_message"),
    path("channels/<id:channel_pk>/room/invite/", room_views.channel_invite, name="channel_invite"),
    path("channels/<id:channel_pk>/room/co-hosts/add/", room_views.co_host_add, name="co_host_add"),
    path("channels/<id:channel_pk>/room/co-hosts/remove/", room_views.co_host_remove, name="co_host_remove"),
    path("channels/<id:channel_pk>/room/mirrors/new/", room_views.mirror_create, name="mirror_create"),
    path("channels/<id:channel_pk>/room/merge/", room_views.channel_merge, name="channel_merge"),
    path("channels/<id:channel_pk>/room/separate/", room_views.channel_separate, name="channel_separate"),
    path("channels/<id:channel_pk>/room/track/", room_views.merged_track, name="merged_track"),
    path("apps/<id:app_pk>/history/", history.channel_history, name="channel_history"),
    path(
        "apps/<id:app_pk>/history/channel/",
        history.channel_history_detail,
        name="channel_history_detail",
    ),
]
