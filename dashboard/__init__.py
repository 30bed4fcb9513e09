"""RTC Dashboard: the Django project (tenancy, vendor accounts, pages, audit)."""
