"""Staff users in the roles created by migration 0003 (Caseworker, Editor, Administrator)."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from tests.factories import UserFactory


def ensure_roles() -> None:
    """Create the roles as the data migrations do, after a flush removed them (transactional
    tests: the flush between them empties every table, data migrations' rows included)."""
    if Group.objects.filter(name="Editor").exists():
        return
    importlib.import_module("incidents.migrations.0003_roles").create_roles(apps, None)
    for later in ("0007_staff_timestamps_and_curation_roles", "0011_roles_for_claims_and_actors"):
        importlib.import_module(f"incidents.migrations.{later}").forwards(apps, None)


def staff(role: str, **kwargs):
    ensure_roles()  # a transactional test's flush may have removed them
    user = UserFactory(is_staff=True, password=None, **kwargs)  # no hashing: fast tests
    user.groups.add(Group.objects.get(name=role))
    return user


def admin_page_data(path: str) -> dict[str, str]:
    """The admin change form at `path` as rendered for an administrator: what a browser would
    post back, inline template rows included (read from the HTML)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.conftest import verified_login
    from tests.test_admin import page_data

    reader = get_user_model().objects.filter(username="page-reader").first()
    reader = reader or staff("Administrator", username="page-reader")
    client = Client()
    verified_login(client, reader)
    response = client.get(path)
    assert response.status_code == 200, path
    return page_data(response)
