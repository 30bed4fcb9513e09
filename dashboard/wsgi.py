"""WSGI entry point (gunicorn dashboard.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings.base")

application = get_wsgi_application()

from dashboard.core.startup import settle  # noqa: E402 - needs the app loaded

settle()
