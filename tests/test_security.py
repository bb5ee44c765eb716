"""Deployment hardening: Django's deploy checks, security headers, CSP without inline script.

A production environment refusing the development or a short SECRET_KEY is proven in
tests/test_settings.py (test_production_refuses_the_development_key,
test_production_refuses_a_short_key); not repeated here.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.core.management import call_command
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from incidents.models import Incident, Status
from tests.factories import UserFactory

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


# --- Production settings, in a fresh interpreter ----------------------------------------------


def settings_variables() -> set[str]:
    """Every environment variable config/settings.py reads (so none leaks in from ours)."""
    source = (PROJECT_ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env_(?:bool|int|list|str)\(\s*"(\w+)"', source)) | {
        "DJANGO_ALLOW_ASYNC_UNSAFE"  # Django's, and a deploy-check error
    }


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in settings_variables()}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        HTTPS="1",
        REDIS_URL="redis://127.0.0.1:6379/5",  # required in production; never contacted here
    )
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_variables_are_found():
    assert {"DEBUG", "SECRET_KEY", "HTTPS", "TESTING", "REQUIRE_2FA"} <= settings_variables()


def test_deploy_checks_pass_in_production():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# Serves the admin login page in production settings and reports settings and responses.
# TESTING=1 only swaps the manifest static storage (which needs collectstatic) for the plain
# one, so that the page can render {% static %} without a build step.
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
from django.test import Client

def describe(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])}
            for name, c in response.cookies.items()
        },
    }

client = Client(HTTP_HOST="example.org")
print(json.dumps({
    "settings": {name: getattr(s, name) for name in [
        "DEBUG", "REQUIRE_2FA", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ]},
    "http": describe(client.get("/admin/login/")),
    "https": describe(client.get("/admin/login/", secure=True)),
}))
"""


@pytest.fixture(scope="module")
def production():
    result = run_python(["-c", PROBE], production_env(TESTING="1"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_https_settings(production):
    assert production["settings"] == {
        "DEBUG": False,
        "REQUIRE_2FA": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }


def test_production_redirects_plain_http_to_https(production):
    assert production["http"]["status"] == 301
    assert production["http"]["headers"]["Location"] == "https://example.org/admin/login/"


def test_production_login_page_over_https(production):
    https = production["https"]
    assert https["status"] == 200
    assert https["headers"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert https["cookies"]["csrftoken"] == {"secure": True, "httponly": True}
    assert_security_headers(https["headers"])


# --- Security headers -------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(headers):
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # so no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def published(db):
    call_command("loaddata", str(PROJECT_ROOT / "fixtures" / "demo.json"), verbosity=0)
    return Incident.objects.filter(status=Status.PUBLISHED).first()


def header_pages(published) -> list[str]:
    return [
        "/",
        reverse("incidents:list"),
        reverse("incidents:detail", args=[published.slug]),
        reverse("admin:login"),
    ]


def test_security_headers_on_public_and_login_pages(client, published):
    for url in header_pages(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response.headers)
        assert "Strict-Transport-Security" not in response  # HTTPS=0 in the test environment


def test_hsts_on_every_page_with_production_https_settings(settings, client, published, production):
    for name, value in production["settings"].items():
        if name.startswith("SECURE_HSTS"):
            setattr(settings, name, value)
    for url in header_pages(published):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )


# --- No inline script or style ----------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what script-src 'self' / style-src 'self' would block, and the links."""

    DATA_TYPES = {"application/json", "application/ld+json"}  # data blocks, never executed
    # django-nested-admin's add/remove links: placeholders whose click handlers call
    # preventDefault(), so the URL is never followed (the browser test clicks them).
    NO_OP_URLS = {"javascript:void(0)", "javascript://"}

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            url = (value or "").strip().lower()
            if (
                name in {"href", "src", "action"}
                and url.startswith("javascript:")
                and url not in self.NO_OP_URLS
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if (
            tag == "script"
            and not attributes.get("src")
            and attributes.get("type") not in self.DATA_TYPES
        ):
            self.problems.append(f"inline <script {attributes}>")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def inline_code(response) -> InlineCode:
    parser = InlineCode()
    parser.feed(response.content.decode())
    parser.close()
    return parser


def is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


def public_routes() -> list[str]:
    """Every URL pattern without parameters that is a public page (test_leaks says which
    prefixes are not)."""
    from tests.test_leaks import NON_PUBLIC_PREFIXES

    def walk(resolver, prefix):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if not route.startswith("admin/"):
                    yield from walk(entry, route)
            elif (
                isinstance(entry, URLPattern)
                and "<" not in route
                and "(" not in route
                and not route.startswith(NON_PUBLIC_PREFIXES)
            ):
                yield "/" + route.lstrip("^").rstrip("$")

    return sorted(set(walk(get_resolver(), "")))


def crawl(client, start: list[str], limit: int = 500) -> dict[str, object]:
    """Every public HTML page reachable from `start` (the demo data set keeps this small)."""
    seen, queue, pages = set(), list(start), {}
    while queue:
        url = urldefrag(queue.pop(0))[0]
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/admin/", django_settings.STATIC_URL)) or url in seen:
            continue
        seen.add(url)
        assert len(seen) <= limit, "the crawl does not end: raise the limit or narrow it"
        response = client.get(url)
        if response.status_code in {200, 400} and is_html(response):
            pages[url] = response
            queue.extend(urljoin(url, link) for link in inline_code(response).links)
    return pages


def test_public_pages_have_no_inline_script_or_style(settings, client, published):
    settings.PUBLIC_PAGE_SIZE = 3  # so that the list has several pages
    pages = crawl(client, ["/", *public_routes()])

    paths = {urlsplit(url).path for url in pages}
    assert {"/", reverse("incidents:list")} <= paths
    for incident in Incident.objects.filter(status=Status.PUBLISHED):
        assert reverse("incidents:detail", args=[incident.slug]) in paths
    assert any("page=3" in url for url in pages)  # pagination and filter links were followed
    assert len(pages) > 10
    for url, response in pages.items():
        assert inline_code(response).problems == [], url


def test_admin_pages_have_no_inline_script_or_style(client, login, published, settings):
    settings.REQUIRE_2FA = True
    pages = {"login (2FA)": client.get(reverse("admin:login"))}
    settings.REQUIRE_2FA = False
    pages["login (DEBUG)"] = client.get(reverse("admin:login"))
    settings.REQUIRE_2FA = True

    login(UserFactory(is_staff=True, is_superuser=True))
    pages["index"] = client.get(reverse("admin:index"))
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages[f"{model.__name__} list"] = client.get(
            reverse("admin:{}_{}_changelist".format(*info))
        )
        add = client.get(reverse("admin:{}_{}_add".format(*info)))
        if add.status_code != 403:  # no add page for this model (e.g. axes' logs)
            pages[f"{model.__name__} add"] = add
    change_url = reverse("admin:incidents_incident_change", args=[published.pk])
    pages["incident change"] = client.get(change_url)
    pages["incident history"] = client.get(
        reverse("admin:incidents_incident_history", args=[published.pk])
    )
    pages["password change"] = client.get(reverse("admin:password_change"))

    assert len(pages) > 20
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert inline_code(response).problems == [], name


def test_lockout_page_has_no_inline_script_or_style(settings, client, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("admin:login"), {"username": "someone", "password": f"wrong-{attempt}"}
        )
    assert response.status_code == 429
    assert inline_code(response).problems == []
    assert_security_headers(response.headers)


def test_the_checker_sees_inline_code():
    class Page:
        content = (
            b'<script src="/static/a.js"></script><script type="application/json">{}</script>'
            b'<script>alert(1)</script><a href="#" onclick="x()">x</a>'
            b'<p style="color: red"></p><style>p {}</style><a href="javascript:x()">y</a>'
            b'<a href="javascript:void(0)">no-op</a>'
        )

    assert len(inline_code(Page).problems) == 5


# --- In a real browser ------------------------------------------------------------------------

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Records violations as they happen, whatever the console says about them.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser at {CHROMIUM}")


@pytest.fixture
def chromium(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's synchronous API runs an event loop in this thread, which makes Django
    # refuse the test's own ORM calls here; the application itself runs in live_server's
    # thread, untouched by this. Function-scoped, so it never outlives the browser.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()
        # ORM calls made inside Playwright's context got their own connections; close them,
        # or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()


class Tab:
    """A browser page that remembers its console messages and CSP violations."""

    def __init__(self, context, base_url):
        context.add_init_script(RECORD_VIOLATIONS)
        self.page = context.new_page()
        self.base_url = base_url
        self.console: list[str] = []
        self.violations: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))

    def open(self, path: str) -> int:
        self.collect()
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response.status

    def collect(self):
        if self.page.url.startswith(self.base_url):
            self.violations += self.page.evaluate("window.__cspViolations.splice(0)")

    def csp_messages(self) -> list[str]:
        self.collect()
        return self.violations + [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def served(settings, live_server):
    """live_server over plain HTTP: no secure-only cookies, no redirect to HTTPS."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    call_command("loaddata", str(PROJECT_ROOT / "fixtures" / "demo.json"), verbosity=0)
    return live_server


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_no_csp_violations_in_a_real_browser(chromium, served, client, login, settings):
    settings.REQUIRE_2FA = True
    staff = login(UserFactory(is_staff=True, is_superuser=True))  # password and code
    context = chromium.new_context()
    tab = Tab(context, served.url)
    try:
        assert tab.open(reverse("admin:login")) == 200
        assert tab.page.locator("input[name=otp_token]").count() == 1
        assert tab.open(reverse("incidents:list")) == 200
        assert tab.page.locator("a[href^='/incidents/']").count() > 1
        # Every other public page too (those with scripts of their own matter most).
        detail = Incident.objects.filter(status=Status.PUBLISHED).first()
        for url in [*public_routes(), reverse("incidents:detail", args=[detail.slug])]:
            if is_html(client.get(url)):
                assert tab.open(url) == 200, url

        context.add_cookies(
            [{"name": "sessionid", "value": staff.cookies["sessionid"].value, "url": served.url}]
        )
        assert tab.open(reverse("admin:incidents_incident_add")) == 200
        assert tab.page.title().startswith("Add incident")
        # Use the nested form: its scripts add rows and open the place search box.
        groups = tab.page.locator(".djn-item.djn-dynamic-form-incidents-detaineegroup:visible")
        before = groups.count()
        tab.page.get_by_text("Add another Detainee Group").first.click()
        assert groups.count() == before + 1
        groups.last.locator("a.djn-remove-handler").first.click()  # href="javascript:void(0)"
        assert groups.count() == before
        tab.page.locator(".select2-selection").first.click()
        tab.page.wait_for_timeout(500)
        assert tab.page.locator(".select2-container--open").count() >= 1

        assert tab.csp_messages() == []
        # And the check would have noticed: an injected inline script is reported.
        tab.page.evaluate("document.body.appendChild(document.createElement('script')).text = '1'")
        tab.page.wait_for_timeout(200)
        assert any("script-src" in message for message in tab.csp_messages())
    finally:
        context.close()


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_staff_log_in_with_password_and_code_in_a_real_browser(chromium, served, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA = True
    staff = UserFactory(username="caseworker", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    context = chromium.new_context()
    tab = Tab(context, served.url)
    try:
        assert tab.open(reverse("admin:index")) == 200  # the login form, via a redirect
        tab.page.fill("#id_username", "caseworker")
        tab.page.fill("#id_password", "correct-horse-battery-staple")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        tab.page.fill("#id_otp_token", f"{code:06d}")
        tab.page.click("input[type=submit][value='Log in']")
        tab.page.wait_for_load_state("networkidle")

        assert tab.page.url == served.url + reverse("admin:index")
        assert tab.page.locator("#user-tools").inner_text().upper().startswith("WELCOME")
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["httpOnly"] is True
        assert cookies["csrftoken"]["httpOnly"] is True
        assert tab.page.evaluate("document.cookie") == ""  # scripts can read neither
        assert tab.csp_messages() == []
    finally:
        context.close()
