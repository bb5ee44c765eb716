"""Data for the write-path rules (issue "Close the write path").

- staff_updated_at starts equal to updated_at for existing incidents (0006 filled it with the
  migration time, which would tell nothing).
- Editors get the two new curation permissions (a source's confidentiality, a place's
  coordinates and their publication, and slugs); Administrators keep every permission.
Reversible: the reverse removes the permissions from the roles and leaves timestamps alone.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import F

CURATION = ["curate_source", "curate_location"]


def forwards(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.update(staff_updated_at=F("updated_at"))
    HistoricalIncident = apps.get_model("incidents", "HistoricalIncident")
    HistoricalIncident.objects.update(staff_updated_at=F("updated_at"))

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.filter(content_type__app_label="incidents", codename__in=CURATION)
    )
    if len(perms) != len(CURATION):
        raise RuntimeError("curation permissions were not created")
    for name in ("Editor", "Administrator"):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*perms)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="incidents", codename__in=CURATION)
    for group in Group.objects.filter(name__in=["Editor", "Administrator"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_write_path_versions")]

    operations = [migrations.RunPython(forwards, backwards)]
