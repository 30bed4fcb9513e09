from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_safe

from . import signon, views

app_name = "people"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/sso/", signon.sso_start, name="sso_start"),
    path("login/sso/callback/", signon.sso_callback, name="sso_callback"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("logout/", views.logout, name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="people/password_change.html", success_url=reverse_lazy("people:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        require_safe(auth_views.PasswordChangeDoneView.as_view(template_name="people/password_change_done.html")),
        name="password_change_done",
    ),
    path("preferences/", views.preferences, name="preferences"),
]
