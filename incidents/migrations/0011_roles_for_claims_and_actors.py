"""Permissions for the models added by 0008 (claims, actors, estimate sources).

Caseworkers enter figures with their claims, dates with theirs, and actors' parts in events,
and may add actors (as they add sources and places); editors also change and delete actors and
curate the sources of aggregate estimates. Administrators keep every permission.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASEWORKER = [
    "view_actor", "add_actor",
    "view_countclaim", "add_countclaim", "change_countclaim", "delete_countclaim",
    "view_dateclaim", "add_dateclaim", "change_dateclaim", "delete_dateclaim",
    "view_eventactor", "add_eventactor", "change_eventactor", "delete_eventactor",
    "view_estimatesource",
]  # fmt: skip
EDITOR = CASEWORKER + [
    "change_actor", "delete_actor",
    "add_estimatesource", "change_estimatesource", "delete_estimatesource",
]  # fmt: skip
ROLES = {"Caseworker": CASEWORKER, "Editor": EDITOR}


def _perms(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    found = list(
        Permission.objects.filter(content_type__app_label="incidents", codename__in=codenames)
    )
    missing = set(codenames) - {p.codename for p in found}
    if missing:
        raise RuntimeError(f"Permissions not found: {sorted(missing)}")
    return found


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codenames in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_perms(apps, codenames))
    admin = Group.objects.filter(name="Administrator").first()
    if admin is not None:
        admin.permissions.add(*_perms(apps, EDITOR))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="incidents", codename__in=EDITOR)
    for group in Group.objects.filter(name__in=["Caseworker", "Editor", "Administrator"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_drop_moved_fields")]

    operations = [migrations.RunPython(forwards, backwards)]
