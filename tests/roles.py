"""Staff users in the roles created by migration 0003 (Caseworker, Editor, Administrator)."""

from django.contrib.auth.models import Group

from tests.factories import UserFactory


def staff(role: str, **kwargs):
    user = UserFactory(is_staff=True, password=None, **kwargs)  # no hashing: fast tests
    user.groups.add(Group.objects.get(name=role))
    return user
