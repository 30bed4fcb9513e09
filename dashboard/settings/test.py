"""Tests: fixed keys (nothing written to var/), fast hashing, the same middleware as production."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("CREDENTIAL_KEYS", "H5jtEa5kbzAmrtl_XkBQrZe3TDuGz9XbA9SfKX1hxT8=")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP; production's secure cookies are checked by `check --deploy`.

# Jobs run inline, in the test's own thread and database transaction.
HUEY = {**HUEY, "immediate": True}  # noqa: F405
# Tests that want the backfill after adding an account turn this on.
SYNC_ON_ACCOUNT_CHANGE = False
# The in-process simulators tests reach through an injected transport (http://aliyun.sim ...).
VENDOR_ENDPOINTS = {vendor: [f"http://{vendor}.sim"] for vendor in ("aliyun", "anyrtc", "uprtc", "isdp")}
# Most tests call vendors without a database to count them in; tests/dashboard/metrics turns it on.
METRICS_COUNT_VENDOR_CALLS = False
