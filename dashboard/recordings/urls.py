from django.urls import path

from . import active_views, rules_views, storage_views, views

app_name = "recordings"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("active/", active_views.tenant_active_tasks, name="active_tasks"),
    path("recordings/", views.recording_list, name="recording_list"),
    path("channels/<id:channel_pk>/record/", views.recording_start, name="recording_start"),
    path(
        "channels/<id:channel_pk>/record/stop-all/",
        views.channel_recordings_stop,
        name="channel_recordings_stop",
    ),
    path("recordings/<id:recording_pk>/", views.recording_detail, name="recording_detail"),
    path(
        "recordings/<id:recording_pk>/refresh/",
        views.recording_refresh,
        name="recording_refresh",
    ),
    path("recordings/<id:recording_pk>/stop/", views.recording_stop, name="recording_stop"),
    path(
        "recordings/<id:recording_pk>/layout/",
        views.recording_apply_layout,
        name="recording_apply_layout",
    ),
    path("recordings/<id:recording_pk>/users/", views.recording_users, name="recording_users"),
    path(
        "recordings/<id:recording_pk>/playback/",
        views.recording_playback,
        name="recording_playback",
    ),
    path(
        "recordings/<id:recording_pk>/download/",
        views.recording_download,
        name="recording_download",
    ),
    path(
        "recordings/<id:recording_pk>/files/<id:file_pk>/",
        views.recording_file,
        name="recording_file",
    ),
    path("apps/<id:app_pk>/recording-rules/", rules_views.rule_list, name="rule_list"),
    path("apps/<id:app_pk>/recording-rules/new/", rules_views.rule_edit, name="rule_new"),
    path(
        "apps/<id:app_pk>/recording-rules/<str:rule_id>/",
        rules_views.rule_edit,
        name="rule_edit",
    ),
    path(
        "apps/<id:app_pk>/recording-rules/<str:rule_id>/delete/",
        rules_views.rule_delete,
        name="rule_delete",
    ),
    path("apps/<id:app_pk>/auto-recording/", rules_views.auto_recording, name="auto_recording"),
    path("storage/", storage_views.storage_list, name="storage_list"),
    path("storage/new/", storage_views.storage_edit, name="storage_new"),
    path("storage/<id:storage_pk>/", storage_views.storage_edit, name="storage_edit"),
    path("storage/<id:storage_pk>/delete/", storage_views.storage_delete, name="storage_delete"),
]

# Staff pages over every tenant, in the "staff" namespace (dashboard/urls.py).
staff_urlpatterns = [
    path("active/", active_views.all_active_tasks, name="all_active_tasks"),
]

# Vendors' signed callbacks, under hooks/ in the "hooks" namespace (dashboard/urls.py).
hook_urlpatterns = [
    path("recordings/<str:token>/", views.recording_callback, name="recording_callback"),
    path("recordings/<str:token>/<str:recording_token>/", views.recording_callback, name="recording_callback_bound"),
]
