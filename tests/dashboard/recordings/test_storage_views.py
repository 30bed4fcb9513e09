"""dashboard/recordings/storage_views.py: storage buckets whose keys are encrypted, kept when left
empty, never shown."""

from __future__ import annotations

from django.urls import reverse

from dashboard.recordings.models import StorageTarget
from tests.dashboard.conftest import logged_in
from tests.dashboard.recordings.conftest import (
    STORAGE_SECRET,
    Setup,
    actions_audited,
)


def test_storage_keys_are_kept_when_left_empty_and_never_shown(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    data = {
        "name": "Backup",
        "provider": 1,
        "region": 0,
        "bucket": "b1",
        "prefix": "",
        "access_key": "AKIA1234567890",
        "secret_key": STORAGE_SECRET,
    }
    admin.post(reverse("recordings:storage_new", args=["acme"]), data)
    target = StorageTarget.objects.get()
    edit = admin.get(reverse("recordings:storage_edit", args=["acme", target.pk])).content.decode()
    assert STORAGE_SECRET not in edit and "AKIA1234567890" not in edit and "Set; leave empty to keep it." in edit
    admin.post(
        reverse("recordings:storage_edit", args=["acme", target.pk]),
        {**data, "access_key": "", "secret_key": "", "bucket": "b2"},
    )
    target.refresh_from_db()
    assert target.bucket == "b2" and target.keys() == {"access_key": "AKIA1234567890", "secret_key": STORAGE_SECRET}
    bad = admin.post(reverse("recordings:storage_new", args=["acme"]), {**data, "name": "Other", "region": 16})
    assert b"regions are numbered 0 to 17" in bad.content
    dup = admin.post(reverse("recordings:storage_new", args=["acme"]), data)
    assert b"Another bucket has this name." in dup.content
    assert (
        logged_in(setup.tenants.harbor_admin)
        .get(reverse("recordings:storage_edit", args=["acme", target.pk]))
        .status_code
        == 404
    )
    assert [a for a, _ in actions_audited("storage.create", "storage.update")] == ["storage.create", "storage.update"]
