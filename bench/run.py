"""The benchmark: public pages, admin, exports and import on PostgreSQL with N incidents.

    bash bench/run.sh [--quick] [--n 100000] [--db refwatch_bench] [--rounds 3] [--duration 3]

docs/performance.md ("Benchmark") says what each column means and lists the targets. In short:
the database is made (or remade, if it holds another number of incidents) with
generate_synthetic; two gunicorn servers run with production settings (DEBUG=0), one with the
public page cache off and one with it on; wrk measures every target at 1 and at 8 clients,
targets interleaved, `rounds` times (the median of the rounds is reported); a one-worker server
per export reads its worker's peak memory; an import runs into an empty database. A Markdown
table is printed and the figures go to bench/results/<UTC time>.json. Loopback only.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import http.cookiejar
import json
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CACHE = ROOT / "bench" / "results" / "cache"
PG_URL = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/")
PG_ARGS = ["-h", "127.0.0.1", "-U", "postgres"]
ADMIN_USER, ADMIN_PASSWORD = "bench-admin", "bench-admin-password-not-secret"
SECRET_KEY = "bench-only-secret-key-0123456789abcdef0123456789abcdef"  # noqa: S105
UNCACHED_PORT, CACHED_PORT, EXPORT_PORT = 8931, 8932, 8933


# --- Helpers that need no server (tested in tests/test_bench.py) ---------------------------


def totp(key: bytes, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 code, as django-otp's TOTPDevice computes it (t0 = 0, SHA-1)."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def parse_wrk(output: str) -> dict:
    """The JSON line bench/report.lua prints after a wrk run."""
    for line in output.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line.removeprefix("BENCHJSON "))
    raise ValueError(f"no BENCHJSON line in wrk output:\n{output}")


def median_of(runs: list[dict]) -> dict:
    """Per figure, the median over rounds (errors are summed). A run in which no request
    finished within its duration has no latencies: its time counts as unknown (None)."""
    if not runs:
        return {}
    done = [r for r in runs if r["requests"]]
    out = {k: statistics.median(r[k] for r in done) if done else None for k in ("p50_ms", "p95_ms")}
    out["rps"] = statistics.median(r["rps"] for r in runs)
    out["errors"] = sum(r["socket_errors"] + r["non2xx3xx"] for r in runs)
    return out


def ratio(value: float | None, base: float | None) -> float | None:
    return round(value / base, 3) if value and base else None


def markdown_table(rows: list[dict]) -> str:
    head = (
        "| target | queries | first ms | c1 p50 ms | c1 p95 ms | c1 req/s | c8 p50 ms "
        "| c8 p95 ms | c8 req/s | × floor | × changelist | errors |"
    )
    lines = [head, "|" + "---|" * 12]

    def f(v):
        return "–" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))

    def times(v):  # ratios: two decimals below 10
        return "–" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.0f}")

    for r in rows:
        c1, c8 = r.get("c1", {}), r.get("c8", {})
        cells = [f(r["name"]), f(r.get("queries")), f(r.get("first_ms"))]
        cells += [f(level.get(k)) for level in (c1, c8) for k in ("p50_ms", "p95_ms", "rps")]
        cells += [times(r.get("x_floor")), times(r.get("x_changelist"))]
        cells.append(str(c1.get("errors", 0) + c8.get("errors", 0)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- Databases -----------------------------------------------------------------------------


def psql(db: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", *PG_ARGS, "-d", db, "-Atc", sql], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def site_env(db: str, **extra) -> dict:
    """Production settings (DEBUG off), loopback hosts, no HTTPS, no rate limits, BENCH on."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=PG_URL + db, DEBUG="0", BENCH="1", HTTPS="0", SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost", REDIS_URL="redis://127.0.0.1:6379/9",
        CACHE_KEY_PREFIX=f"bench-{db}", RATELIMIT_ENABLE="0", LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="60",
    )  # fmt: skip
    env.update(extra)
    return env


def manage(db: str, *args: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=site_env(db, **extra), check=True
    )


def ensure_db(db: str, n: int) -> None:
    """A migrated database holding exactly `n` synthetic incidents (remade if not)."""
    if not db.startswith("refwatch_bench"):
        raise SystemExit(f"refusing to use {db!r}: bench databases are named refwatch_bench*")
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    have = psql(db, "SELECT count(*) FROM incidents_incident") if exists else ""
    if have == str(n):
        manage(db, "migrate", "--noinput", "-v0")
        return
    if exists:
        print(f"==> {db} holds {have or 'no'} incidents, not {n}: remaking it", flush=True)
        subprocess.run(["dropdb", *PG_ARGS, db], check=True)
    subprocess.run(["createdb", *PG_ARGS, db], check=True)
    manage(db, "migrate", "--noinput", "-v0")
    print(f"==> generate_synthetic {n} into {db}", flush=True)
    manage(db, "generate_synthetic", str(n))


SETUP_ADMIN = f"""
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
user, _ = get_user_model().objects.get_or_create(username={ADMIN_USER!r})
user.is_staff = user.is_superuser = True
user.set_password({ADMIN_PASSWORD!r})
user.save()
TOTPDevice.objects.filter(user=user).delete()
device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
print("KEY", device.key)
"""


def setup_admin(db: str) -> bytes:
    """A superuser with a fresh TOTP device; returns the device key."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP_ADMIN],
        cwd=ROOT, env=site_env(db), check=True, capture_output=True, text=True,
    )  # fmt: skip
    key = re.search(r"^KEY ([0-9a-f]+)$", done.stdout, re.M).group(1)
    return bytes.fromhex(key)


# --- Servers -------------------------------------------------------------------------------


class Server:
    def __init__(self, db: str, port: int, workers: int = 2, timeout: int = 300, **extra):
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", str(timeout), "--log-level", "warning"],
            cwd=ROOT, env=site_env(db, **extra), start_new_session=True,
        )  # fmt: skip
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/bench/floor/", timeout=5).read()  # noqa: S310
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn on port {port} did not start")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def open_connections(port: int) -> int:
    """Server-side TCP connections on a local port, accepted or queued (not LISTEN or
    TIME_WAIT): requests a worker still holds after their client went away."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.split(":")[1], 16) == port and state not in ("0A", "06"):
            count += 1
    return count


def drain(port: int, limit: float = 180) -> None:
    """Wait until the requests wrk left in flight are done, so they do not slow the next
    target (a slow page at 8 clients leaves up to 8 behind it)."""
    deadline = time.monotonic() + limit
    while open_connections(port) and time.monotonic() < deadline:
        time.sleep(0.05)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def login(base: str, key: bytes) -> str:
    """Post the admin login form with a TOTP code; returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/admin/login/?next=/admin/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {
        "csrfmiddlewaretoken": token, "username": ADMIN_USER, "password": ADMIN_PASSWORD,
        "otp_token": totp(key), "next": "/admin/",
    }  # fmt: skip
    request = urllib.request.Request(  # noqa: S310
        base + "/admin/login/?next=/admin/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": base + "/admin/login/"},
    )
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("admin login failed (no session cookie)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def fetch(url: str, cookie: str | None = None) -> tuple[int, float, int | None]:
    """(status, milliseconds, X-Query-Count) of one request."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            response.read()
            status, header = response.status, response.headers.get("X-Query-Count")
    except urllib.error.HTTPError as error:
        status, header = error.code, error.headers.get("X-Query-Count")
    ms = (time.perf_counter() - start) * 1000
    return status, round(ms, 1), int(header) if header else None


def wrk(url: str, clients: int, seconds: float, cookie: str | None = None) -> dict:
    command = [
        # wrk takes whole seconds only ("2.0s" is refused).
        "wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
        "--timeout", "30s",
        "-s", str(ROOT / "bench" / "report.lua"),
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


# --- Targets -------------------------------------------------------------------------------


def targets(db: str, quick: bool) -> list[tuple[str, str, str]]:
    """(name, server, path); server is "uncached", "cached" or "admin" (uncached, logged in)."""
    middle = psql(
        db,
        "SELECT slug FROM incidents_incident WHERE status = 'published' AND slug ~ '-[0-9]+$' "
        "AND (substring(slug from '[0-9]+$')::int % 9) = 2 ORDER BY id "
        "OFFSET (SELECT count(*) / 18 FROM incidents_incident) LIMIT 1",
    )  # a published incident with three groups, halfway down
    pk = psql(db, f"SELECT id FROM incidents_incident WHERE slug = '{middle}'")
    per_page = 25
    published = int(psql(db, "SELECT count(*) FROM incidents_incident WHERE status='published'"))
    last = max(1, -(-published // per_page))
    combined = (
        "city=Liaoning&country=CN&date_after=2005&date_before=2020&outcome=repatriated&q=arrested"
    )
    every = [
        ("bare view (floor)", "uncached", "/bench/floor/"),
        ("admin changelist", "admin", "/admin/incidents/incident/"),
        ("admin changelist ?q=", "admin", "/admin/incidents/incident/?q=arrested"),
        ("admin change page", "admin", f"/admin/incidents/incident/{pk}/change/"),
        ("admin desk (home)", "admin", "/admin/"),
        ("admin urgent board", "admin", "/admin/urgent/"),
        ("list", "uncached", "/incidents/"),
        ("list city=city", "uncached", "/incidents/?city=Shenyang"),
        ("list city=province", "uncached", "/incidents/?city=Liaoning"),
        ("list country=", "uncached", "/incidents/?country=CN"),
        ("list dates", "uncached", "/incidents/?date_after=2005-03&date_before=2012"),
        ("list outcome=", "uncached", "/incidents/?outcome=repatriated"),
        ("list q=arrested", "uncached", "/incidents/?q=arrested"),
        ("list q=place", "uncached", "/incidents/?q=Dandong"),
        ("list all filters", "uncached", "/incidents/?" + combined),
        ("list page 50", "uncached", "/incidents/?page=50"),
        ("list last page", "uncached", f"/incidents/?page={last}"),
        ("list (cached)", "cached", "/incidents/"),
        ("home (cached)", "cached", "/"),
        ("detail", "uncached", f"/incidents/{middle}/"),
        ("timeline", "uncached", "/timeline/"),
        ("statistics", "uncached", "/statistics/"),
        ("urgent", "uncached", "/urgent/"),
        ("map", "uncached", "/map/"),
        ("locations.geojson", "uncached", "/locations.geojson"),
        ("feed (Atom)", "uncached", "/feeds/incidents.atom"),
        ("API list", "uncached", "/api/incidents/"),
        ("API detail", "uncached", f"/api/incidents/{middle}/"),
        # The aggregate pages as readers get them: from the cache once built ("warm"); their
        # uncached rows above are the cold cost of every request after a public change.
        ("timeline (cached)", "cached", "/timeline/"),
        ("statistics (cached)", "cached", "/statistics/"),
        ("urgent (cached)", "cached", "/urgent/"),
        ("map (cached)", "cached", "/map/"),
        ("locations.geojson (cached)", "cached", "/locations.geojson"),
    ]
    if quick:
        keep = {"bare view (floor)", "admin changelist", "list", "list (cached)", "detail"}
        every = [t for t in every if t[0] in keep]
    return every


def measure_pages(db, quick, rounds, seconds, clients, key) -> list[dict]:
    servers = {
        "uncached": Server(db, UNCACHED_PORT, PUBLIC_CACHE_SECONDS="0"),
        "cached": Server(db, CACHED_PORT),  # PUBLIC_CACHE_SECONDS at its default
    }
    try:
        subprocess.run(["redis-cli", "-n", "9", "FLUSHDB"], capture_output=True, check=False)
        cookie = login(servers["uncached"].base, key)
        rows = []
        for name, server, path in targets(db, quick):
            base = servers["cached" if server == "cached" else "uncached"].base
            rows.append({"name": name, "server": server, "path": path, "url": base + path,
                         "cookie": cookie if server == "admin" else None, "runs": {}})  # fmt: skip
        for row in rows:  # the first request of each, right after start: the "cold" time
            status, ms, queries = fetch(row["url"], row["cookie"])
            row |= {"status": status, "first_ms": ms, "queries": queries}
            print(f"    {row['name']}: {status}, {ms} ms, {queries} queries", flush=True)
        for c in clients:
            for r in range(rounds):
                print(f"==> {c} client(s), round {r + 1} of {rounds}", flush=True)
                for row in rows:  # interleaved: every target once per round
                    run = wrk(row["url"], c, seconds, row["cookie"])
                    row["runs"].setdefault(f"c{c}", []).append(run)
                    drain(int(row["url"].split(":")[2].split("/")[0]))
        for row in rows:
            for level, runs in row["runs"].items():
                row[level] = median_of(runs)
            del row["cookie"]
        floor = next(r for r in rows if r["path"] == "/bench/floor/")["c1"]["p50_ms"]
        changelist = next((r for r in rows if r["name"] == "admin changelist"), None)
        base = changelist["c1"]["p50_ms"] if changelist else None
        for row in rows:
            row["x_floor"] = ratio(row["c1"]["p50_ms"], floor)
            row["x_changelist"] = ratio(row["c1"]["p50_ms"], base)
        return rows
    finally:
        for server in servers.values():
            server.stop()


def measure_export(db: str, path: str, limit: float) -> dict:
    """One download on a fresh one-worker server: time, time to first byte, size, and the
    worker's peak resident memory before and after. Reading stops after `limit` seconds."""
    server = Server(db, EXPORT_PORT, 1, int(limit) + 30, PUBLIC_CACHE_SECONDS="0")
    result = {"path": path, "status": None, "finished": False, "error": None}
    try:
        (worker,) = server.workers()
        before = vm_hwm_mb(worker)
        size, ttfb = 0, None
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(server.base + path, timeout=limit) as response:  # noqa: S310
                result["status"] = response.status
                size = len(response.read1(1 << 16))  # whatever arrived first
                ttfb = time.perf_counter() - start
                while chunk := response.read(1 << 16):
                    size += len(chunk)
                    if time.perf_counter() - start > limit:
                        break
                else:
                    result["finished"] = True
        except (OSError, http.client.HTTPException) as error:  # e.g. the worker timed out
            result["error"] = f"{type(error).__name__}: {error}"[:200]
        result |= {
            "seconds": round(time.perf_counter() - start, 2),
            "ttfb_ms": round(ttfb * 1000, 1) if ttfb else None,
            "megabytes": round(size / 1e6, 1),
            "worker_peak_mb_before": round(before, 1),
            "worker_peak_mb": round(vm_hwm_mb(worker), 1) if Path(f"/proc/{worker}").exists()
            else None,
        }  # fmt: skip
        return result
    finally:
        server.stop()


def export_table(exports: list[dict]) -> list[str]:
    lines = [
        "| export | status | finished | seconds | first byte ms | MB | worker peak MB (before) |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in exports:
        done = "yes" if e["finished"] else f"no ({e['error'] or 'stopped at the limit'})"
        lines.append(
            f"| {e['path']} | {e['status']} | {done} | {e['seconds']} | {e['ttfb_ms']} "
            f"| {e['megabytes']} | {e['worker_peak_mb']} ({e['worker_peak_mb_before']}) |"
        )
    return lines


def measure_import(source_db: str, n: int, limit: float) -> dict:
    """Export `n` incidents (--all) from `source_db`, import them into an empty database
    (stopped after `limit` seconds)."""
    ensure_db(source_db, n)
    CACHE.mkdir(parents=True, exist_ok=True)
    dump = CACHE / f"{source_db}.json"
    manage(source_db, "export_incidents", str(dump), "--all")
    empty, target = "refwatch_bench_empty", "refwatch_bench_import"
    if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{empty}'") != "1":
        subprocess.run(["createdb", *PG_ARGS, empty], check=True)
        manage(empty, "migrate", "--noinput", "-v0")
    subprocess.run(["dropdb", *PG_ARGS, "--if-exists", target], check=True)
    subprocess.run(["createdb", *PG_ARGS, "-T", empty, target], check=True)
    manage(target, "migrate", "--noinput", "-v0")  # in case the template lags a migration
    setup_admin(target)
    # One transaction: an import stopped at the time limit leaves nothing to count, so then
    # only an upper bound of the rate is known.
    command = [sys.executable, "manage.py", "import_incidents", str(dump), "--user", ADMIN_USER,
               "--no-progress"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=site_env(target), start_new_session=True)
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        below = round(n / limit, 1)
        return {"source": source_db, "incidents": 0, "finished": False, "seconds": limit,
                "incidents_per_second": None, "incidents_per_second_below": below}  # fmt: skip
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"import_incidents failed ({proc.returncode})")
    imported = int(psql(target, "SELECT count(*) FROM incidents_incident") or 0)
    return {
        "source": source_db, "incidents": imported, "finished": True, "seconds": round(seconds, 1),
        "incidents_per_second": round(imported / seconds, 1),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small smoke run (~2 minutes).")
    parser.add_argument("--n", type=int, help="Incidents (default 100000; quick: 300).")
    parser.add_argument("--db", help="Database (default refwatch_bench; quick: refwatch_benchq).")
    parser.add_argument("--rounds", type=int, help="Rounds per target (default 3; quick: 1).")
    parser.add_argument("--duration", type=float, help="Seconds per wrk run (3; quick: 1).")
    parser.add_argument("--import-n", type=int, help="Incidents imported (10000; quick: 100).")
    parser.add_argument(
        "--parts", default="pages,exports,import", help="Comma-separated subset to run."
    )
    parser.add_argument(
        "--export-limit", type=float, default=120, help="Seconds before a download is stopped."
    )
    parser.add_argument(
        "--import-limit", type=float, default=300, help="Seconds before the import is stopped."
    )
    args = parser.parse_args(argv)
    quick = args.quick
    n = args.n or (300 if quick else 100_000)
    db = args.db or ("refwatch_benchq" if quick else "refwatch_bench")
    rounds = args.rounds or (1 if quick else 3)
    seconds = args.duration or (1 if quick else 3)
    import_n = args.import_n or (100 if quick else 10_000)
    import_db = "refwatch_bench10k" if import_n == 10_000 else f"refwatch_bench_n{import_n}"
    started = datetime.now(UTC)

    ensure_db(db, n)
    manage(db, "collectstatic", "--noinput", "-v0")  # production serves hashed static names
    key = setup_admin(db)
    print(f"==> Pages on {db} ({n} incidents)", flush=True)
    parts = set(args.parts.split(","))
    pages = measure_pages(db, quick, rounds, seconds, (1, 8), key) if "pages" in parts else []
    head = (
        f"Benchmark {started:%Y-%m-%d %H:%M} UTC, {db}: {n} incidents, {rounds} round(s) of "
        f"{seconds:g} s per target and client count (medians)."
    )
    print(f"\n{head}\n\n{markdown_table(pages)}\n", flush=True)  # kept if a later part fails
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    results = {"started": started.isoformat(), "db": db, "n": n, "rounds": rounds,
               "seconds": seconds, "pages": pages}  # fmt: skip
    out.write_text(json.dumps(results, indent=1))
    if "exports" in parts:
        print("==> Exports", flush=True)
        results["exports"] = [
            measure_export(db, p, args.export_limit)
            for p in ("/incidents/export.csv", "/incidents/export.json")
        ]
        out.write_text(json.dumps(results, indent=1))
    if "import" in parts:
        print(f"==> Import of {import_n} incidents", flush=True)
        results["import"] = measure_import(import_db, import_n, args.import_limit)
        out.write_text(json.dumps(results, indent=1))

    lines = [head, "", markdown_table(pages), ""]
    if "exports" in results:
        lines += [*export_table(results["exports"]), ""]
    imported = results.get("import")
    if imported and imported["finished"]:
        lines.append(
            f"Import: {imported['incidents']} incidents in {imported['seconds']} s = "
            f"{imported['incidents_per_second']} incidents/s (from {imported['source']})."
        )
    elif imported:
        lines.append(
            f"Import: {import_n} incidents did not finish in {imported['seconds']:g} s "
            f"(< {imported['incidents_per_second_below']} incidents/s; stopped)."
        )
    print("\n".join(lines))
    print(f"\nWritten: {out.relative_to(ROOT)}")
