"""The staff admin site: password + TOTP code whenever settings.REQUIRE_2FA is on."""

from django.conf import settings
from django.contrib.admin import AdminSite as DjangoAdminSite
from django.utils.translation import gettext_lazy as _
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


class AdminSite(DjangoAdminSite):
    site_header = _("Refoulement Watch — staff")
    site_title = _("Refoulement Watch staff")
    index_title = _("Records")

    @property
    def login_form(self):
        return StaffLoginForm if settings.REQUIRE_2FA else None

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.REQUIRE_2FA else None

    def get_urls(self):
        """Staff pages that are not one model's list: the urgent board and the import page."""
        from django.urls import path

        from incidents import admin_import, admin_urgent

        extra = [
            path("urgent/", self.admin_view(admin_urgent.urgent_board), name="urgent_board"),
            path("import/", self.admin_view(admin_import.import_view), name="import_incidents"),
        ]
        return extra + super().get_urls()

    def has_permission(self, request):
        """Staff who logged in with a password only are not let in while 2FA is required."""
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()
