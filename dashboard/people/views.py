from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard.core.requests import ConsoleRequest

from .forms import LoginForm, PreferencesForm, TotpConfirmForm
from .models import Preferences
from .signon import provider_logout_url, provider_name, signon_enabled
from .twofactor import confirmed_device, pending_device, qr_svg


# Public: a user whose session has already ended may still press "Log out".
@login_not_required
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """POST logs out; a GET (a typed or bookmarked address) asks first, since a link that
    logged out would let any page end the user's session. Someone who signed in through the
    identity provider is then logged out there too (when it has an end-session endpoint)."""
    if request.method == "POST":
        at_provider = provider_logout_url(request, request.session.get("oidc_id_token", ""))
        response = auth_views.LogoutView.as_view()(request)
        return redirect(at_provider) if at_provider else response
    if not request.user.is_authenticated:
        return redirect("people:login")
    return render(request, "people/logout.html")


@require_http_methods(["GET", "POST"])
def preferences(request: ConsoleRequest) -> HttpResponse:
    prefs, _created = Preferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        prefs = form.save()
        with translation.override(prefs.language or settings.LANGUAGE_CODE):
            messages.success(request, _("Preferences saved."))
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = "people:preferences"
        response = redirect(next_url)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            prefs.language or settings.LANGUAGE_CODE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    return render(request, "people/preferences.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login, with the authentication code for people who turned two-factor on."""

    form_class = LoginForm
    template_name = "people/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        if signon_enabled():
            context["signon_provider"] = provider_name()
            context["staff_password_login"] = settings.STAFF_PASSWORD_LOGIN
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        assert isinstance(form, LoginForm)  # form_class
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


@require_http_methods(["GET", "POST"])
def two_factor(request: ConsoleRequest) -> HttpResponse:
    """Turn two-factor login on (scan, then confirm one code) or off (confirm one code)."""
    device = confirmed_device(request.user)
    if device is not None:
        form = TotpConfirmForm(request.POST or None, device=device)
        if request.method == "POST" and form.is_valid():
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("Two-factor login is off."))
            return redirect("people:two_factor")
        return render(request, "people/two_factor.html", {"enabled": True, "form": form})
    pending = pending_device(request.user)
    form = TotpConfirmForm(request.POST or None, device=pending)
    if request.method == "POST" and form.is_valid():
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        otp_login(request, pending)
        messages.success(request, _("Two-factor login is on: from now on you will be asked for a code."))
        return redirect("people:two_factor")
    return render(
        request,
        "people/two_factor.html",
        {"enabled": False, "form": form, "qr": qr_svg(pending), "secret": b32encode(pending.bin_key).decode()},
    )
