"""The staff admin site: password + TOTP code whenever settings.REQUIRE_2FA is on."""

import math

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite as DjangoAdminSite
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm


class StaffLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login form, usable in one step by staff with a single device.

    django-otp (1.7+) verifies a code only against a device chosen from a list that the form
    shows *after* the password was accepted, so a first submission of username, password and
    a valid code fails with "Please select a device.". When the user has exactly one device
    there is nothing to choose: use it. With several devices (say TOTP plus backup codes) the
    choice is still required, so a failed guess never throttles a device that was not used.
    """

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            # Inside clean_otp's transaction: lock the row like django-otp does.
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device

    def _verify_token(self, user, token, device=None):
        """Two changes to django-otp's check of the code:

        - while the device's back-off is running, say how many seconds to wait (django-otp
          only says "try again soon", and refuses even the right code until then);
        - a wrong code counts as a failed login for django-axes, like a wrong password, so
          that a phished password does not allow guessing codes past the lockout.
        """
        if device is not None:
            allowed, extra = device.verify_is_allowed()
            locked_until = (extra or {}).get("locked_until")
            if not allowed and locked_until is not None:
                seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
                raise forms.ValidationError(
                    ngettext(
                        "Too many wrong codes. Wait %(seconds)d second, then enter the code "
                        "your authenticator app shows.",
                        "Too many wrong codes. Wait %(seconds)d seconds, then enter the code "
                        "your authenticator app shows.",
                        seconds,
                    )
                    % {"seconds": seconds},
                    code="otp_throttled",
                )
        try:
            return super()._verify_token(user, token, device)
        except forms.ValidationError as error:
            if error.code == "invalid_token":
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": user.get_username()},
                    request=self.request,
                )
            raise


class AdminSite(DjangoAdminSite):
    site_header = _("Refoulement Watch — staff")
    site_title = _("Refoulement Watch staff")
    index_title = _("Records")
    index_template = "admin/desk.html"

    @property
    def login_form(self):
        return StaffLoginForm if settings.REQUIRE_2FA else None

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.REQUIRE_2FA else None

    def index(self, request, extra_context=None):
        """The start page: the viewer's desk (incidents/desk.py), the list of models below."""
        from incidents.desk import desk_sections

        extra = {"title": _("Desk"), "sections": desk_sections(request)}
        return super().index(request, extra | (extra_context or {}))

    def get_urls(self):
        """Staff pages that are not one model's list: the urgent board, the import page and
        one's own notification settings."""
        from django.urls import path

        from incidents import admin_import, admin_notifications, admin_urgent

        extra = [
            path("urgent/", self.admin_view(admin_urgent.urgent_board), name="urgent_board"),
            path("import/", self.admin_view(admin_import.import_view), name="import_incidents"),
            path(
                "notifications/",
                self.admin_view(admin_notifications.notification_settings),
                name="notification_settings",
            ),
        ]
        return extra + super().get_urls()

    def has_permission(self, request):
        """Staff who logged in with a password only are not let in while 2FA is required."""
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()
