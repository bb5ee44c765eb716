import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create (or reset) the local demo administrator and print its credentials. "
        "For the quick start only: a new random password is set on every run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo admin account:"))
        self.stdout.write(f"    username: {username}\n    password: {password}")
        if settings.REQUIRE_2FA:
            self.stdout.write("Two-factor login is on (DEBUG is off):")
            call_command("enroll_totp", username, stdout=self.stdout._out)
            self.stdout.write(
                "    Add the URI to an authenticator app, or get the current code with:\n"
                f"    bash scripts/manage.sh enroll_totp {username} --code"
            )
