"""The staff admin site: password + TOTP code whenever settings.REQUIRE_2FA is on."""

from django.conf import settings
from django.contrib.admin import AdminSite as DjangoAdminSite
from django_otp.admin import OTPAdminAuthenticationForm


class AdminSite(DjangoAdminSite):
    site_header = "Refoulement Watch — staff"
    site_title = "Refoulement Watch staff"
    index_title = "Records"

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.REQUIRE_2FA else None

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.REQUIRE_2FA else None

    def has_permission(self, request):
        """Staff who logged in with a password only are not let in while 2FA is required."""
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()
