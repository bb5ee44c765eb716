from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Makes config.admin_site.AdminSite (two-factor login) the default `admin.site`."""

    default_site = "config.admin_site.AdminSite"
