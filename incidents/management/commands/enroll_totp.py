import time
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Enrol a staff user for two-factor login: create a TOTP device and print its otpauth:// "
        "URI (paste it into an authenticator app, or turn it into a QR code). Existing devices "
        "are kept unless --reset is given. --code prints the code valid right now (for the "
        "local demo and for scripted tests; anyone who can run this can read the database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Replace existing devices.")
        parser.add_argument("--code", action="store_true", help="Also print the current code.")

    def handle(self, *args, username, reset=False, code=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        devices = TOTPDevice.objects.filter(user=user)
        if reset:
            devices.delete()
        device = devices.first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            self.stdout.write(self.style.SUCCESS(f"Enrolled {username} for two-factor login."))
        self.stdout.write(f"    otpauth URI: {device.config_url}")
        self.stdout.write(f"    secret (base32): {b32encode(device.bin_key).decode()}")
        if code:
            now = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            valid = device.step - int(time.time() - device.t0) % device.step
            self.stdout.write(f"    current code: {now:0{device.digits}d} (valid {valid} s)")
