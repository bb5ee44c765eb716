from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations commands (backup, restore, table counts); no models."""

    name = "ops"
    verbose_name = "Operations"
