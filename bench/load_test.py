"""Load test with writes: public readers and staff writers against gunicorn on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/refwatch_load \\
        .venv/bin/python bench/load_test.py --duration 60 --readers 50 --writers 2

It creates the database if needed, migrates it, loads the demo data, makes one staff user per
writer (Caseworker role, password + TOTP device), starts gunicorn on a free loopback port with
production settings (DEBUG=0, Redis-backed rate limits at their defaults, BEHIND_PROXY=1 so
that each simulated reader is its own client through X-Forwarded-For), and then, for
--duration seconds:

- each reader loops over public pages, search, the API, the feed and (rarely) an export, with
  0.25-0.75 s of think time, like a person or a polite script;
- each writer logs in through the real admin login (password + a TOTP code computed from its
  device's key) and adds sources through the real admin form, one after another.

A write counts as *acknowledged* only when the admin answers with its redirect after saving;
an answer with the form again (a validation refusal) is counted as refused, not as an error.
Errors are 5xx answers and failed connections; 429s are counted separately. Afterwards every
acknowledged source is looked up in the database. Loopback only; the run stops by itself.
Prints a table and writes a JSON summary (--json).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.cookiejar
import json
import os
import random
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.htmlforms import form_fields  # noqa: E402

READER_URLS = [
    "/", "/incidents/", "/incidents/?country=CN", "/incidents/?outcome=repatriated",
    "/timeline/", "/statistics/", "/map/", "/urgent/", "/api/incidents/",
    "/api/locations/", "/feeds/incidents.atom", "/incidents/?q=Shenyang",
    "/incidents/?q=helpers", "/locations.geojson",
]  # fmt: skip
RARE_URLS = ["/incidents/export.csv", "/incidents/export.json"]  # 1 request in 40

SETUP = """
import json
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import UserFactory
out = []
for n in range({writers}):
    name = f"load-writer-{{n}}"
    user = UserFactory(username=name, is_staff=True)
    user.set_password("load-test-password-{{}}".format(n)); user.save()
    user.groups.add(Group.objects.get(name="Caseworker"))
    device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
    out.append({{"username": name, "password": f"load-test-password-{{n}}", "key": device.key}})
print(json.dumps(out))
"""

VERIFY = """
import json, sys
from incidents.models import Source
titles = json.loads(sys.stdin.read())
found = set(Source.objects.filter(title__in=titles).values_list("title", flat=True))
print(json.dumps({"acknowledged": len(titles), "found": len(found & set(titles))}))
"""


def totp(hex_key: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238, as an authenticator app computes it."""
    counter = struct.pack(">Q", int(at // step))
    digest = hmac.new(bytes.fromhex(hex_key), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[str, int, float]] = []  # (kind, status, seconds)
        self.acknowledged: list[str] = []
        self.refused = 0

    def add(self, kind: str, status: int, seconds: float):
        with self.lock:
            self.rows.append((kind, status, seconds))


def request(opener, url, data=None, headers=None) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - loopback
    try:
        with opener.open(req, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
    except OSError:
        return 0, b"", {}


def reader(base, number, stop, stats):
    opener = urllib.request.build_opener()
    client_ip = f"198.18.{number // 250}.{number % 250 + 1}"  # a benchmarking range
    rng = random.Random(number)
    while not stop.is_set():
        url = rng.choice(RARE_URLS) if rng.random() < 1 / 40 else rng.choice(READER_URLS)
        started = time.monotonic()
        status, _body, _headers = request(
            opener, base + url, headers={"X-Forwarded-For": client_ip}
        )
        stats.add("read", status, time.monotonic() - started)
        stop.wait(rng.uniform(0.25, 0.75))


def writer(base, credentials, number, stop, stats):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    headers = {"X-Forwarded-For": f"198.19.0.{number + 1}"}

    def csrf():
        return next(c.value for c in jar if c.name == "csrftoken")

    status, page, _ = request(opener, base + "/admin/login/", headers=headers)
    data = {"username": credentials["username"], "password": credentials["password"],
            "otp_token": totp(credentials["key"], time.time()), "csrfmiddlewaretoken": csrf(),
            "next": "/admin/"}  # fmt: skip
    status, _body, _ = request(
        opener, base + "/admin/login/", urllib.parse.urlencode(data).encode(), headers=headers
    )
    if status != 302:
        raise RuntimeError(f"writer {number} could not log in ({status})")
    n = 0
    add = base + "/admin/incidents/source/add/"
    while not stop.is_set():
        n += 1
        started = time.monotonic()
        status, page, _ = request(opener, add, headers=headers)
        stats.add("write-form", status, time.monotonic() - started)
        if status != 200:
            stop.wait(0.5)
            continue
        fields = form_fields(page.decode(), "source_form")
        title = f"Load test source w{number}-{n}-{time.time_ns()}"
        fields.update(title=title, kind="news", publisher="Load test")
        started = time.monotonic()
        status, _body, reply = request(
            opener, add, urllib.parse.urlencode(fields).encode(),
            headers={**headers, "Referer": add, "X-CSRFToken": csrf()},
        )  # fmt: skip
        stats.add("write", status, time.monotonic() - started)
        if status == 302 and "/login/" not in reply.get("Location", ""):
            with stats.lock:
                stats.acknowledged.append(title)
        elif status == 200:
            with stats.lock:
                stats.refused += 1
        stop.wait(0.5)


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summarise(stats: Stats, duration: float, verified: dict) -> dict:
    summary = {"duration_s": round(duration, 1), "groups": {}}
    for kind in ("read", "write-form", "write"):
        rows = [r for r in stats.rows if r[0] == kind]
        times = [r[2] * 1000 for r in rows]
        codes: dict[str, int] = {}
        for _k, status, _t in rows:
            codes[str(status)] = codes.get(str(status), 0) + 1
        summary["groups"][kind] = {
            "requests": len(rows),
            "per_second": round(len(rows) / duration, 1),
            "statuses": codes,
            "errors": sum(1 for r in rows if r[1] == 0 or r[1] >= 500),
            "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times, default=0), 1),
        }
    summary["errors"] = sum(g["errors"] for g in summary["groups"].values())
    summary["rate_limited"] = sum(1 for r in stats.rows if r[1] == 429)
    summary["writes_acknowledged"] = len(stats.acknowledged)
    summary["writes_refused"] = stats.refused
    summary["acknowledged_found_afterwards"] = verified["found"]
    return summary


def table(summary: dict) -> str:
    lines = [f"{'group':11} {'requests':>8} {'req/s':>6} {'errors':>6} {'p50 ms':>7} "
             f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}  statuses"]  # fmt: skip
    for kind, g in summary["groups"].items():
        lines.append(f"{kind:11} {g['requests']:>8} {g['per_second']:>6} {g['errors']:>6} "
                     f"{g['p50_ms']:>7} {g['p95_ms']:>7} {g['p99_ms']:>7} {g['max_ms']:>7}  "
                     f"{g['statuses']}")  # fmt: skip
    lines.append(
        f"errors {summary['errors']}, 429s {summary['rate_limited']}; writes acknowledged "
        f"{summary['writes_acknowledged']}, refused {summary['writes_refused']}, acknowledged "
        f"and found afterwards {summary['acknowledged_found_afterwards']}"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    from tests.servers import app_env, gunicorn, manage

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parser.add_argument("--json", help="write the summary here")
    args = parser.parse_args(argv)

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database of its own (created if missing)")
    env = app_env(
        DATABASE_URL=database,
        DB_CONN_MAX_AGE="60",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
        CACHE_KEY_PREFIX=f"load-{time.time_ns()}",
        BEHIND_PROXY="1",
        LOG_LEVEL="WARNING",
        TESTING="1",  # plain static files storage: no collectstatic step needed
    )
    name = urllib.parse.urlsplit(database).path.lstrip("/")
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name],  # noqa: S603,S607
                   capture_output=True, check=False)  # fmt: skip
    manage("migrate", "--noinput", "-v0", env=env)
    manage("load_demo", env=env)
    setup = manage("shell", "-c", SETUP.format(writers=args.writers), env=env).stdout
    credentials = json.loads(setup.strip().splitlines()[-1])

    stats = Stats()
    stop = threading.Event()
    with gunicorn(env, workers=args.workers) as (base, _server):
        threads = [threading.Thread(target=reader, args=(base, n, stop, stats))
                   for n in range(args.readers)]  # fmt: skip
        threads += [threading.Thread(target=writer, args=(base, c, n, stop, stats))
                    for n, c in enumerate(credentials)]  # fmt: skip
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(args.duration)
        stop.set()
        for thread in threads:
            thread.join(60)
        duration = time.monotonic() - started

    check = manage("shell", "-c", VERIFY, env=env, input=json.dumps(stats.acknowledged)).stdout
    verified = json.loads(check.strip().splitlines()[-1])
    summary = summarise(stats, duration, verified)
    summary.update(readers=args.readers, writers=args.writers, gunicorn_workers=args.workers)
    print(table(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    ok = summary["errors"] == 0 and verified["found"] == verified["acknowledged"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
