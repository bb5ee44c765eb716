"""/admin/notifications/: a staff member turns their own workflow e-mails on or off."""

from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from incidents.models import StaffNotificationSettings
from incidents.services.notifications import set_email_notifications


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    if request.method == "POST":
        enabled = request.POST.get("by_email") == "on"
        set_email_notifications(user=request.user, enabled=enabled)
        messages.success(
            request,
            _("Workflow e-mails are on.") if enabled else _("Workflow e-mails are off."),
        )
        return redirect("admin:notification_settings")
    found = StaffNotificationSettings.objects.filter(user=request.user).first()
    context = admin.site.each_context(request) | {
        "title": _("Notification settings"),
        "by_email": found.by_email if found else True,
        "has_email": bool(request.user.email),
    }
    return render(request, "admin/notification_settings.html", context)
