"""Staff login (issue "Staff login"): two-factor, throttling, no username enumeration, sessions.

Logins go through the real admin login form (GET the page, POST it back with its CSRF token,
from a client that enforces CSRF), because that is the path django-axes and django-otp hook
into. Codes are computed from the device's key the way an authenticator app does.
"""

import datetime
import re
import time
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.middleware import _STARTED
from incidents.models import Source
from tests.factories import UserFactory, published_incident

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # UserFactory's
LOGIN_URL = reverse("admin:login")
INDEX_URL = reverse("admin:index")
IP_A = "203.0.113.10"
IP_B = "198.51.100.20"

INVALID_LOGIN = "Please enter the correct username and password for a staff account."
LOCKED_OUT = "Too many failed logins"


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    """Production behaviour (DEBUG off); tests of DEBUG mode turn it off themselves."""
    settings.REQUIRE_2FA = True
    # Dozens of logins per test: skip the deliberately slow production password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def browser():
    """A client that, like a browser, must send back the CSRF token it was given."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def alice():
    return UserFactory(username="alice", is_staff=True, is_superuser=True)


@pytest.fixture
def phone(alice):
    return TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)


def code_now(device: TOTPDevice) -> str:
    """What the authenticator app shows right now."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_now(device)) + 500_000) % 1_000_000:06d}"


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def submit_login(client, username, password, code=None, *, ip=IP_A, forwarded_for=None, **fields):
    """Fill in and submit the admin login form as a person at address `ip` would."""
    meta = {"REMOTE_ADDR": ip}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    page = client.get(LOGIN_URL, {"next": INDEX_URL}, **meta)
    assert page.status_code == 200
    data = {
        "csrfmiddlewaretoken": csrf_token(page),
        "username": username,
        "password": password,
        "next": INDEX_URL,
        **fields,
    }
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN_URL, data, **meta)


def errors(response) -> list[str]:
    return [
        " ".join(e.split())
        for e in re.findall(r'class="errornote">(.*?)</p>', response.content.decode(), re.S)
    ]


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def admin_pages(*, add: bool = True) -> list[str]:
    """The index and every registered model's changelist (and add page)."""
    urls = [INDEX_URL]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls += [reverse("admin:{}_{}_changelist".format(*info))]
        if add:
            urls += [reverse("admin:{}_{}_add".format(*info))]
    return urls


def assert_admin_closed(client):
    incident = published_incident()
    urls = [
        *admin_pages(),
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        reverse("admin:incidents_incident_history", args=[incident.pk]),
        reverse("admin:incidents_incident_delete", args=[incident.pk]),
        reverse("admin:autocomplete")
        + "?app_label=incidents&model_name=detaineegroup&field_name=arrest_location",
    ]
    assert len(urls) > 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_URL), url
    # Writing is refused too, not only reading (and not merely for want of a CSRF token).
    client.get(LOGIN_URL)
    response = client.post(
        reverse("admin:incidents_source_add"),
        {
            "title": "Planted",
            "kind": "news",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert not Source.objects.filter(title="Planted").exists()


# --- Two-factor login -------------------------------------------------------------------------


def test_login_form_asks_for_a_code_when_2fa_is_required(browser):
    page = browser.get(LOGIN_URL).content.decode()
    assert 'name="otp_token"' in page
    assert 'name="password"' in page


def test_password_alone_does_not_open_the_admin(browser, alice, phone):
    response = submit_login(browser, "alice", PASSWORD)

    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert errors(response) == ["Please enter your OTP token."]
    assert not logged_in(browser)
    assert_admin_closed(browser)


def test_password_and_current_code_open_the_admin(browser, alice, phone):
    response = submit_login(browser, "alice", PASSWORD, code_now(phone))

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert browser.session[DEVICE_ID_SESSION_KEY] == phone.persistent_id
    index = browser.get(INDEX_URL)
    assert index.status_code == 200
    assert index.context["user"] == alice
    assert index.context["user"].is_verified()
    for url in [*admin_pages(add=False), reverse("admin:incidents_incident_add")]:
        assert browser.get(url).status_code == 200, url


def test_wrong_code_is_refused_with_a_clear_message(browser, alice, phone):
    response = submit_login(browser, "alice", PASSWORD, wrong_code(phone))

    assert response.status_code == 200
    assert errors(response) == ["Invalid token. Please make sure you have entered it correctly."]
    assert not logged_in(browser)
    assert_admin_closed(browser)


def test_a_used_code_cannot_be_replayed(alice, phone):
    code = code_now(phone)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    assert submit_login(first, "alice", PASSWORD, code).status_code == 302

    response = submit_login(second, "alice", PASSWORD, code)
    assert errors(response) == ["Invalid token. Please make sure you have entered it correctly."]
    assert not logged_in(second)


def test_guessing_codes_is_slowed_down(browser, alice, phone):
    """A phished password does not allow trying a million codes: after a wrong code,
    django-otp refuses even the right one for a while (doubling with each failure)."""
    submit_login(browser, "alice", PASSWORD, wrong_code(phone))
    phone.refresh_from_db()
    assert phone.throttling_failure_count == 1
    # Retry at once (the first wait is a second; a slow test machine must not outlast it).
    TOTPDevice.objects.filter(pk=phone.pk).update(throttling_failure_timestamp=timezone.now())

    response = submit_login(browser, "alice", PASSWORD, code_now(phone))
    assert errors(response) == [
        "Too many wrong codes. Wait 1 second, then enter the code your authenticator app shows."
    ]
    assert not logged_in(browser)


def test_right_code_with_wrong_password_is_refused(browser, alice, phone):
    response = submit_login(browser, "alice", "not-the-password", code_now(phone))

    assert errors(response) == [INVALID_LOGIN + " Note that both fields may be case-sensitive."]
    assert not logged_in(browser)


def test_another_users_device_cannot_vouch_for_a_login(browser, alice, phone):
    mallory = UserFactory(username="mallory", is_staff=True)
    her_phone = TOTPDevice.objects.create(user=mallory, name="hers", confirmed=True)

    # Alice's password (say, phished) plus a code from a device someone else controls.
    response = submit_login(
        browser, "alice", PASSWORD, code_now(her_phone), otp_device=her_phone.persistent_id
    )
    assert response.status_code == 200
    assert errors(response) == ["Please select a device."]
    assert not logged_in(browser)


def test_with_several_devices_the_user_chooses_one(browser, alice, phone):
    backup = StaticDevice.objects.create(user=alice, name="backup codes", confirmed=True)
    backup.token_set.create(token="backup12")

    response = submit_login(browser, "alice", PASSWORD, code_now(phone))
    assert errors(response) == ["Please select a device."]
    page = response.content.decode()
    assert phone.persistent_id in page
    assert backup.persistent_id in page

    response = submit_login(browser, "alice", PASSWORD, "backup12", otp_device=backup.persistent_id)
    assert response.status_code == 302
    assert browser.get(INDEX_URL).status_code == 200


def test_unverified_session_is_refused_everywhere_in_the_admin(login, alice):
    client = login(alice, verified=False)  # the password was right; no code was given
    assert logged_in(client)

    assert_admin_closed(client)
    page = client.get(LOGIN_URL)
    assert page.status_code == 200
    assert "but are not authorized to access this page" in page.content.decode()


def test_password_alone_is_enough_when_2fa_is_off(settings, browser, alice):
    settings.REQUIRE_2FA = False  # DEBUG mode
    assert 'name="otp_token"' not in browser.get(LOGIN_URL).content.decode()

    response = submit_login(browser, "alice", PASSWORD)

    assert response.status_code == 302
    assert browser.get(INDEX_URL).status_code == 200


# --- Enrolment commands -----------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_enroll_totp_prints_an_authenticator_uri(alice):
    output = run("enroll_totp", "alice")

    device = TOTPDevice.objects.get(user=alice)
    assert device.confirmed
    uri = re.search(r"otpauth://\S+", output)[0]
    assert uri == device.config_url
    assert uri.startswith("otpauth://totp/Refoulement%20Watch%3Aalice?")
    assert "issuer=Refoulement%20Watch" in uri
    assert "secret=" in uri


def test_enroll_totp_code_is_a_working_six_digit_code(alice):
    output = run("enroll_totp", "alice", "--code")

    code = re.search(r"current code: (\d+) \(valid \d+ s\)", output)[1]
    assert len(code) == 6
    assert TOTPDevice.objects.get(user=alice).verify_token(code)


def test_enroll_totp_keeps_the_device_unless_reset(alice):
    run("enroll_totp", "alice")
    first = TOTPDevice.objects.get(user=alice)

    run("enroll_totp", "alice")
    assert list(TOTPDevice.objects.filter(user=alice)) == [first]
    assert TOTPDevice.objects.get(user=alice).key == first.key

    output = run("enroll_totp", "alice", "--reset")
    replacement = TOTPDevice.objects.get(user=alice)  # exactly one
    assert replacement.pk != first.pk
    assert replacement.key != first.key
    assert replacement.config_url in output
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()


def test_enroll_totp_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("enroll_totp", "nobody")
    assert not TOTPDevice.objects.exists()


def test_demo_admin_gets_credentials_and_an_authenticator_uri_that_log_in(browser):
    output = run("ensure_demo_admin")

    password = re.search(r"password: (\S+)", output)[1]
    device = TOTPDevice.objects.get(user__username="admin")
    assert "username: admin" in output
    assert device.config_url in output
    assert "Two-factor login is on" in output
    # The printed credentials, plus the code the printed command gives, open the admin.
    code = re.search(r"current code: (\d{6})", run("enroll_totp", "admin", "--code"))[1]
    assert submit_login(browser, "admin", password, code).status_code == 302
    assert browser.get(INDEX_URL).status_code == 200


def test_demo_admin_rerun_changes_the_password_and_keeps_the_device(db):
    first_password = re.search(r"password: (\S+)", run("ensure_demo_admin"))[1]
    device = TOTPDevice.objects.get(user__username="admin")

    output = run("ensure_demo_admin")

    second_password = re.search(r"password: (\S+)", output)[1]
    assert second_password != first_password
    assert TOTPDevice.objects.get(user__username="admin") == device
    assert device.config_url in output


def test_demo_admin_without_2fa_prints_no_uri(settings, db):
    settings.REQUIRE_2FA = False
    output = run("ensure_demo_admin")

    assert "password: " in output
    assert "otpauth://" not in output
    assert not TOTPDevice.objects.exists()


# --- Throttling (django-axes) -----------------------------------------------------------------


def fail(client, username, times, *, ip=IP_A):
    """`times` wrong passwords; returns the responses."""
    return [submit_login(client, username, f"wrong-{i}", ip=ip) for i in range(times)]


def assert_locked_out(response):
    assert response.status_code == 429  # django-axes' AXES_HTTP_RESPONSE_CODE
    body = response.content.decode()
    assert LOCKED_OUT in body
    assert "Try again in 15 minutes" in body


def test_fifth_failure_locks_and_sixth_attempt_is_refused_even_with_right_credentials(
    browser, alice, phone
):
    responses = fail(browser, "alice", 5)

    for response in responses[:4]:
        assert response.status_code == 200
        assert INVALID_LOGIN in errors(response)[0]
    assert_locked_out(responses[4])  # the failure that reaches the limit already locks

    response = submit_login(browser, "alice", PASSWORD, code_now(phone))
    assert_locked_out(response)
    assert not logged_in(browser)
    assert "sessionid" not in response.cookies
    assert browser.get(INDEX_URL).status_code == 302


def test_lockout_is_per_address_so_outsiders_cannot_lock_staff_out(alice, phone):
    attacker, caseworker = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    fail(attacker, "alice", 6, ip=IP_A)

    response = submit_login(caseworker, "alice", PASSWORD, code_now(phone), ip=IP_B)
    assert response.status_code == 302
    assert caseworker.get(INDEX_URL).status_code == 200


def test_lockout_is_per_username_so_colleagues_on_the_same_network_can_log_in(browser, alice):
    bob = UserFactory(username="bob", is_staff=True)
    bobs_phone = TOTPDevice.objects.create(user=bob, name="phone", confirmed=True)
    fail(browser, "alice", 5, ip=IP_A)

    assert submit_login(browser, "bob", PASSWORD, code_now(bobs_phone), ip=IP_A).status_code == 302


def test_lockout_ends_after_the_cooloff(settings, browser, alice, phone):
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    fail(browser, "alice", 5)

    def last_failure(ago):
        AccessAttempt.objects.update(attempt_time=timezone.now() - ago)

    last_failure(datetime.timedelta(minutes=14))
    assert_locked_out(submit_login(browser, "alice", PASSWORD, code_now(phone)))
    # That refused attempt counted as a failure again; 15 minutes from it have passed:
    last_failure(datetime.timedelta(minutes=15, seconds=1))
    response = submit_login(browser, "alice", PASSWORD, code_now(phone))
    assert response.status_code == 302
    assert browser.get(INDEX_URL).status_code == 200


def test_lockout_page_states_the_configured_cooloff(settings, browser, alice):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    response = fail(browser, "alice", 5)[-1]

    assert response.status_code == 429
    assert "Try again in 30 minutes" in response.content.decode()


def test_successful_login_resets_the_failure_count(browser, alice, phone):
    fail(browser, "alice", 4)
    assert submit_login(browser, "alice", PASSWORD, code_now(phone)).status_code == 302
    assert not AccessAttempt.objects.exists()

    # Without the reset, 4 + 1 failures would lock now.
    browser.logout()
    for response in fail(browser, "alice", 4):
        assert response.status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 4


def test_password_without_code_neither_logs_in_nor_resets_the_count(browser, alice, phone):
    fail(browser, "alice", 4)
    submit_login(browser, "alice", PASSWORD)  # phished password, no code

    assert AccessAttempt.objects.get().failures_since_start == 4
    assert_locked_out(fail(browser, "alice", 1)[0])


def test_behind_a_proxy_the_forwarded_address_is_what_gets_locked(settings, alice, phone):
    settings.BEHIND_PROXY = True
    proxy = "127.0.0.1"  # every request reaches gunicorn from the proxy
    attacker, caseworker = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for i in range(5):
        # The left part is the attacker's own, made-up header; the proxy appends IP_A.
        submit_login(attacker, "alice", f"wrong-{i}", ip=proxy, forwarded_for=f"10.0.0.{i}, {IP_A}")
    response = submit_login(
        attacker, "alice", PASSWORD, ip=proxy, forwarded_for=f"10.9.9.9, {IP_A}"
    )
    assert_locked_out(response)

    response = submit_login(
        caseworker, "alice", PASSWORD, code_now(phone), ip=proxy, forwarded_for=IP_B
    )
    assert response.status_code == 302


def test_wrong_codes_count_towards_the_lockout(browser, alice, phone):
    """A phished password plus guessed codes: each wrong code is a failed login for
    django-axes, so the fifth locks the account from that address, right code or not."""
    for n in range(1, 5):
        response = submit_login(browser, "alice", PASSWORD, wrong_code(phone))
        assert errors(response) == [
            "Invalid token. Please make sure you have entered it correctly."
        ]
        assert AccessAttempt.objects.get().failures_since_start == n
        # Past the device's own back-off, so that each guess is really checked.
        TOTPDevice.objects.filter(pk=phone.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
        )
    assert_locked_out(submit_login(browser, "alice", PASSWORD, wrong_code(phone)))
    assert_locked_out(submit_login(browser, "alice", PASSWORD, code_now(phone)))
    assert not logged_in(browser)


def test_the_form_says_how_long_to_wait_after_wrong_codes(browser, alice, phone):
    for _ in range(3):
        submit_login(browser, "alice", PASSWORD, wrong_code(phone))
        TOTPDevice.objects.filter(pk=phone.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
        )
    TOTPDevice.objects.filter(pk=phone.pk).update(throttling_failure_timestamp=timezone.now())
    # Three failures: django-otp refuses every code for 2**2 = 4 seconds; the form says so.
    response = submit_login(browser, "alice", PASSWORD, code_now(phone))
    [message] = errors(response)
    seconds = int(
        re.fullmatch(
            r"Too many wrong codes\. Wait (\d+) seconds?, then enter the "
            r"code your authenticator app shows\.",
            message,
        )[1]
    )
    assert 1 <= seconds <= 4
    assert not logged_in(browser)
    # The refused right code was not a guess: it does not count towards the lockout.
    assert AccessAttempt.objects.get().failures_since_start == 3


# --- No username enumeration ------------------------------------------------------------------


def normalised(response, username) -> str:
    """The page minus what legitimately differs: the CSRF token and the echoed username."""
    body = re.sub(r'value="[^"]{32,}"', 'value="CSRF"', response.content.decode())
    return body.replace(f'value="{username}"', 'value="USERNAME"')


@pytest.mark.parametrize("two_factor", [True, False], ids=["2fa", "debug"])
def test_wrong_password_looks_the_same_for_existing_and_unknown_users(
    settings, alice, phone, two_factor
):
    settings.REQUIRE_2FA = two_factor
    existing = submit_login(Client(enforce_csrf_checks=True), "alice", "wrong", "123456")
    unknown = submit_login(Client(enforce_csrf_checks=True), "nobody", "wrong", "123456")

    assert existing.status_code == unknown.status_code == 200
    assert INVALID_LOGIN in errors(existing)[0]
    assert normalised(existing, "alice") == normalised(unknown, "nobody")


def test_lockout_looks_the_same_for_existing_and_unknown_users(alice):
    existing = fail(Client(enforce_csrf_checks=True), "alice", 6)
    unknown = fail(Client(enforce_csrf_checks=True), "nobody", 6)

    assert [r.status_code for r in existing] == [r.status_code for r in unknown]
    assert [r.status_code for r in existing] == [200] * 4 + [429] * 2
    for a, b in zip(existing, unknown, strict=True):
        assert normalised(a, "alice") == normalised(b, "nobody")
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"alice", "nobody"}


# --- Sessions ---------------------------------------------------------------------------------


def test_session_settings(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE in {"Lax", "Strict"}
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # the idle timeout slides
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_ABSOLUTE_LIFETIME == 10 * 3600
    # Secure-only cookies with HTTPS: tests/test_security.py::test_production_https_settings.


def test_login_cookies_are_http_only_and_same_site(browser, alice, phone):
    page = browser.get(LOGIN_URL)
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"

    session = submit_login(browser, "alice", PASSWORD, code_now(phone)).cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == ""  # ends with the browser, at the latest


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_session_expires_and_activity_extends_it(login, alice):
    client = login(alice)
    assert client.get(INDEX_URL).status_code == 200

    # Activity pushes the server-side expiry 30 minutes past the latest request.
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get(INDEX_URL).status_code == 200
    remaining = stored_session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)

    # 30 idle minutes later, the session is gone.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(INDEX_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def age_session(client, seconds: float):
    session = client.session
    session[_STARTED] = time.time() - seconds
    session.save()


def test_session_is_ended_after_its_absolute_lifetime_despite_activity(settings, login, alice):
    settings.SESSION_ABSOLUTE_LIFETIME = 60
    client = login(alice)
    assert client.get(INDEX_URL).status_code == 200
    assert client.session[_STARTED] == pytest.approx(time.time(), abs=5)

    age_session(client, 50)
    assert client.get(INDEX_URL).status_code == 200  # still within the lifetime

    age_session(client, 61)
    response = client.get(INDEX_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert not logged_in(client)
    assert client.get(INDEX_URL).status_code == 302  # and it stays logged out


def test_absolute_lifetime_also_ends_sessions_on_public_pages(settings, login, alice):
    settings.SESSION_ABSOLUTE_LIFETIME = 60
    client = login(alice)
    client.get("/")
    age_session(client, 61)

    assert client.get("/").status_code == 200
    assert not logged_in(client)
