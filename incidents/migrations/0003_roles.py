"""Create the three staff roles as auth groups with their permissions.

Caseworker: enter and edit drafts, submit them for review, see restricted fields.
Editor: everything a caseworker does, plus review, publish, archive, delete and restore
incidents, and curate sources, locations and estimates.
Administrator: every permission, including users and login security.

Changing a role later means a new data migration, not an edit of this one.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASEWORKER = [
    "view_incident", "add_incident", "change_incident",
    "view_detaineegroup", "add_detaineegroup", "change_detaineegroup", "delete_detaineegroup",
    "view_custodyevent", "add_custodyevent", "change_custodyevent", "delete_custodyevent",
    "view_citation", "add_citation", "change_citation", "delete_citation",
    "view_location", "add_location",
    "view_source", "add_source",
    "view_estimate",
    "view_reviewqueueitem",
]  # fmt: skip
EDITOR = CASEWORKER + [
    "delete_incident", "publish_incident", "restore_incident",
    "change_reviewqueueitem",
    "change_location", "delete_location",
    "change_source", "delete_source",
    "add_estimate", "change_estimate", "delete_estimate",
]  # fmt: skip
ROLES = {"Caseworker": CASEWORKER, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="incidents", codename__in=codenames
        )
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for role {name}: {sorted(missing)}")
        group.permissions.set(perms)
    admin, _ = Group.objects.get_or_create(name="Administrator")
    admin.permissions.set(Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Caseworker", "Editor", "Administrator"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_audit_history_permissions"),
        ("auth", "__latest__"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "__latest__"),
        ("otp_totp", "__latest__"),
        ("otp_static", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
