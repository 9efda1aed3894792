"""50 users at once against a real gunicorn: each signs in, then opens pages of a realistic mix with 1–3 s of
thought between them. Two phases with the same users and think time: A, the floor page only
(`/access/security/`: the base layout and nothing else); B, the mix (the floor page in it too). Reported: per
page count, errors, median, p95 and the median as a multiple of the floor's median under the same load; the
mix's requests/s as a ratio to phase A's (what the same users achieve when every page is as cheap as the
floor: 1.0 means the server kept up with the users).

    bench/run load                                  # 50 users, 60 s a phase, the configuration's defaults
    DURATION=30 USERS=20 bench/run load             # shorter, fewer
    CONFIGS="sync:3 sync:5 gthread:2x4" bench/run load   # several gunicorn configurations, one after another
    SCALE=full bench/run load                       # DESIGN.md's largest partner (kept, like bench/run pages)

gunicorn runs with scripts/gunicorn.conf.py (a configuration ``sync:5`` sets GUNICORN_WORKER_CLASS=sync and
GUNICORN_WORKERS=5; ``gthread:2x8`` two workers of eight threads), DJANGO_DB_STATEMENT_TIMEOUT=25s as
docker-compose's web, on production settings: DEBUG off, the manifest of collected static files, the real
password hasher, Redis for sessions' throttling. The requests come as from the TLS-terminating proxy
(``X-Forwarded-Proto: https``; ``X-Forwarded-For`` a different address per user, one trusted proxy), so
nothing is redirected and each user has its own login rate limit; the one change is cookies without the
Secure flag (DJANGO_SECURE_COOKIES=false), since the load reaches gunicorn over plain HTTP. A new
connection per request, as a proxy in front of gunicorn makes by default. The pages' HTML is fetched, and
a page's chart image (light) the first time a user meets it, as its own row — a browser keeps the static
files and a chart, whose address changes with its figures, cached; the mix's requests/s, median and p95 are
the pages' alone.
"""

from __future__ import annotations

import datetime
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # this process: seeding; the server: production


from bench.pages import SCALES, open_world  # noqa: E402
from bench.seed_scale import ADMIN_EMAIL, LARGEST  # noqa: E402

USERS = int(os.environ.get("USERS", "50"))
DURATION = float(os.environ.get("DURATION", "60"))  # seconds of each phase
THINK = (1.0, 3.0)  # seconds between a user's requests, uniformly drawn
SEED = int(os.environ.get("SEED", "13"))
PASSWORD = "bench"
FLOOR = "Floor: security"
CHART = "Chart image (light)"  # a page's chart, fetched after it as a browser does, once per user and chart
CHART_IMAGE = re.compile(rb'<img class="chart-image" src="(/charts/[0-9a-f]{64}/light\.svg)"')

# Who they are: Administrators of the largest partner (the seed's is the first), as in issue 13's figures:
# the floor page (the partner's security settings) is theirs alone, and every page of the mix is theirs, the
# finance pages too (another role's mix would be a lighter subset).
ROLE = "administrator"


@dataclass(frozen=True)
class Page:
    name: str
    weight: int
    url: object  # (random.Random, World) -> path


@dataclass
class World:
    subaccounts: list[int]  # ids of the largest partner's subaccounts (a user opens any of them)
    month: tuple[datetime.date, datetime.date]  # the last whole month


def _subaccount(rnd: random.Random, world: World) -> str:
    return f"/subaccounts/{rnd.choice(world.subaccounts)}/"


def _usage_month(rnd: random.Random, world: World) -> str:
    start, finish = world.month
    return "/finance/usage/?" + urlencode({"start": start, "finish": finish, "group": "day"})


# The mix, weights out of 100. Why these: the dashboard is where a sign-in lands and where people go back
# to; the subaccount list, its search and one subaccount are the daily work of a partner's account managers
# (the search-as-you-type endpoint is what typing in a filter calls); the finance pages less often, the usage
# report for a month or one subaccount more than the monthly summaries; the registrations and the partner's
# profile now and then; the floor page (the partner's security settings) stands for the cheap pages around
# the portal (members, invitations, settings) and is the yardstick.
MIX = [
    Page("Dashboard", 14, lambda rnd, w: "/dashboard/"),
    Page("Subaccounts", 12, lambda rnd, w: "/subaccounts/"),
    Page("Subaccounts, search", 6, lambda rnd, w: f"/subaccounts/?q={rnd.randrange(1000):05d}"),
    Page("Subaccounts, as-you-type", 4, lambda rnd, w: f"/subaccounts/search/?q={rnd.randrange(100)}"),
    Page("Subaccount", 12, _subaccount),
    Page("Accounts", 6, lambda rnd, w: "/accounts/"),
    Page("Usage, last month", 4, _usage_month),
    Page(
        "Usage, one subaccount", 6, lambda rnd, w: f"/finance/usage/?subaccount={rnd.choice(w.subaccounts)}"
    ),
    Page("Accruals", 5, lambda rnd, w: "/finance/"),
    Page("Bonuses by month", 4, lambda rnd, w: "/finance/bonuses/"),
    Page("Partner bonus", 4, lambda rnd, w: "/finance/partner-bonus/"),
    Page("Rebate balance", 4, lambda rnd, w: "/finance/balance/"),
    Page("Commission statistics", 4, lambda rnd, w: "/finance/commission/"),
    Page("Registrations", 5, lambda rnd, w: "/tools/"),
    Page("Partner profile", 3, lambda rnd, w: "/profile/"),
    Page(FLOOR, 7, lambda rnd, w: "/access/security/"),
]


FLOOR_ONLY = [Page(FLOOR, 1, lambda rnd, w: "/access/security/")]


@dataclass
class Sample:
    phase: str
    page: str
    status: int  # 0: no answer (an exception)
    seconds: float
    error: str = ""


@dataclass
class Config:
    label: str
    env: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Config:
        """``sync:5`` → five sync workers; ``gthread:2x8`` → two workers of eight threads."""
        kind, _sep, size = text.partition(":")
        workers, _x, threads = size.partition("x")
        env = {"GUNICORN_WORKER_CLASS": kind}
        if workers:
            env["GUNICORN_WORKERS"] = workers
        env["GUNICORN_THREADS"] = threads or "1"
        return cls(text, env)


# --- the users ------------------------------------------------------------------------------------------


class Browser:
    """One user's HTTP client: its cookies, its address behind the proxy, a new connection per request."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}
        self.headers: dict[str, str] = {}  # sent with every request (bench/pages.py: the API's token)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, bytes]:
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "User-Agent": "portal-bench-load",
            "Accept": "text/html",
            "Connection": "close",
        }
        headers |= self.headers
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
            headers["Referer"] = origin + path
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for raw in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(raw)
                for name, morsel in jar.items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, dict(response.getheaders()), content
        finally:
            conn.close()

    def login(self, email: str) -> None:
        status, _headers, page = self.request("GET", "/auth/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "login": email, "password": PASSWORD}
        status, headers, _page = self.request("POST", "/auth/login/", urlencode(form))
        if status != 302 or not headers.get("Location", "").endswith("/dashboard/"):
            raise RuntimeError(f"login answered {status} to {headers.get('Location')}")


class User(threading.Thread):
    def __init__(self, n: int, email: str, run: Run):
        super().__init__(daemon=True)
        self.n, self.email, self.run_ = n, email, run
        self.rnd = random.Random(SEED * 1000 + n)
        self.browser = Browser(run.port, f"10.13.{n // 250}.{n % 250 + 1}")
        self.samples: list[Sample] = []
        self.failed = ""
        self.charts: set[bytes] = set()  # the chart images this user's browser keeps (immutable addresses)

    def run(self) -> None:
        run = self.run_
        time.sleep(self.n * run.ramp)  # users arrive one after another
        try:
            self.browser.login(self.email)
            self.get("login", "Dashboard", "/dashboard/")  # where the sign-in lands
        except Exception as error:  # noqa: BLE001 (reported, and this user sits the test out)
            self.failed = f"{type(error).__name__}: {error}"
        run.ready.wait()
        for phase, pages in (("A", FLOOR_ONLY), ("B", MIX)):
            weights = [p.weight for p in pages]
            while not self.failed:
                think = self.rnd.uniform(*THINK)
                if time.monotonic() + think >= run.ends:
                    break
                time.sleep(think)
                page = self.rnd.choices(pages, weights)[0]
                self.get(phase, page.name, page.url(self.rnd, run.world))
            time.sleep(max(0.0, run.ends - time.monotonic()))
            run.ready.wait()

    def get(self, phase: str, name: str, path: str) -> None:
        started = time.perf_counter()
        body = b""
        try:
            status, headers, body = self.browser.request("GET", path)
            error = "" if status < 400 else f"HTTP {status}"
            if 300 <= status < 400 and "/auth/login/" in headers.get("Location", ""):
                error = "signed out"
        except Exception as exc:  # noqa: BLE001 (a dropped connection, a timeout: an error of the run)
            status, error = 0, f"{type(exc).__name__}: {exc}"
        self.samples.append(Sample(phase, name, status, time.perf_counter() - started, error))
        chart = CHART_IMAGE.search(body) if status == 200 else None
        if chart and chart.group(1) not in self.charts:  # the page's chart image, unless the browser has it
            self.charts.add(chart.group(1))
            self.get(phase, CHART, chart.group(1).decode())


class Run:
    """One configuration's test: the server, the users, the phases' clock."""

    def __init__(self, port: int, world: World, users: list[str], server: int):
        self.port, self.world, self.server = port, world, server
        self.cpu: list[float] = []  # gunicorn's CPU seconds at each phase's start and at the end
        self.ramp = 0.2  # seconds between two users' arrivals
        self.ends = 0.0
        self.phase_started: list[float] = []
        self.ready = threading.Barrier(len(users), action=self._next_phase)
        self.users = [User(n, email, self) for n, email in enumerate(users)]

    def _next_phase(self) -> None:
        now = time.monotonic()
        self.phase_started.append(now)
        self.cpu.append(usage(self.server)[0])
        self.ends = now + DURATION

    def go(self) -> list[Sample]:
        for user in self.users:
            user.start()
        for user in self.users:
            user.join()
        return [s for user in self.users for s in user.samples]


# --- the server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(port: int) -> dict:
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_BASE_URL": f"https://127.0.0.1:{port}",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_CACHE_KEY_PREFIX": f"bench-load-{uuid.uuid4().hex[:12]}",  # this run's throttling counts
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_DB_STATEMENT_TIMEOUT": "25s",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }


def collect_static() -> None:
    env = production_env(0)
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )


def start_gunicorn(config: Config, port: int, log: Path) -> subprocess.Popen:
    env = production_env(port) | config.env
    handle = open(log, "wb")  # noqa: SIM115 (the server's own output, closed with it)
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and configuration)
        [sys.executable, "-m", "gunicorn", "-c", "scripts/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn ended: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not listen within 60 s")


def usage(pid: int) -> tuple[float, float]:
    """CPU seconds used so far and resident MB of gunicorn's master and its workers (from /proc)."""
    cpu = memory = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # from the 3rd field of proc_pid_stat(5)
            if int(stat.parent.name) == pid or int(fields[1]) == pid:  # the parent's pid
                cpu += int(fields[11]) + int(fields[12])  # user and system time, in clock ticks
                memory += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # resident pages
        except (OSError, IndexError, ValueError):
            continue
    return cpu / os.sysconf("SC_CLK_TCK"), memory / 2**20


# --- the world ------------------------------------------------------------------------------------------


def prepare(scale: str) -> tuple[World, list[str]]:
    """The partner world (seeded if needed) and the users who sign in: the seed's administrator and more
    members of the largest partner, each with the production hasher's hash of the password."""
    open_world(scale)
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from access.models import Membership
    from profiles.models import Partner
    from subaccounts.models import Subaccount

    partner = Partner.objects.get(name=LARGEST)
    hasher = PBKDF2PasswordHasher()  # production's (the test settings this process runs on hash with MD5)
    password = hasher.encode(PASSWORD, hasher.salt())
    users = []
    for n in range(USERS):
        email = ADMIN_EMAIL if n == 0 else f"user{n:03d}@largest.example"
        user, _ = get_user_model().objects.update_or_create(
            username=email, defaults={"email": email, "password": password}
        )
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(user=user, partner=partner, defaults={"role": ROLE})
        users.append(email)
    # the users' tables were analysed by the seed when they held one or two rows: their statistics brought up
    # to date, as autovacuum would once a partner's members had come and gone (the planner otherwise loops
    # over "one" member for the header search's users)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE auth_user, access_membership, account_emailaddress")
    ids = list(Subaccount.objects.filter(partner=partner).order_by("pk").values_list("pk", flat=True))
    today = datetime.date.today()
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    world = World(random.Random(SEED).sample(ids, min(len(ids), 1000)), (month_end.replace(day=1), month_end))
    return world, users


# --- the figures ----------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(values) -> str:
    values = list(values)
    return f"{statistics.median(values) * 1000:7.1f}ms" if values else "      -  "


def summarize(config: Config, samples: list[Sample], failed: list[str], memory: float, loads, cpu) -> dict:
    a = [s.seconds for s in samples if s.phase == "A"]
    b = [s for s in samples if s.phase == "B" and s.page != CHART]  # the pages; their charts apart
    floor_b = [s.seconds for s in b if s.page == FLOOR]
    rate_a, rate_b = len(a) / DURATION, len(b) / DURATION
    errors = [s for s in samples if s.error]
    print(
        f"\n{config.label}: {len(samples)} requests, {len(errors)} errors, {len(failed)} failed sign-ins;"
        f" gunicorn's memory {memory:.0f} MB; load average {loads[0]:.2f} before, {loads[1]:.2f} after"
    )
    cpu_a, cpu_b = (cpu[1] - cpu[0], cpu[2] - cpu[1]) if len(cpu) >= 3 else (float("nan"),) * 2
    print(
        f"  A, floor page only: {rate_a:5.1f} requests/s, median {ms(a)}, p95 {p95(a) * 1000:7.1f}ms;"
        f" gunicorn's CPU {cpu_a / DURATION:.2f} cores, {cpu_a / max(len(a), 1) * 1000:.1f} ms a request"
    )
    print(
        f"  B, the mix:         {rate_b:5.1f} requests/s ({rate_b / rate_a if rate_a else 0:.2f}× A),"
        f" median {ms(s.seconds for s in b)}, p95 {p95([s.seconds for s in b]) * 1000:7.1f}ms;"
        f" gunicorn's CPU {cpu_b / DURATION:.2f} cores, {cpu_b / max(len(b), 1) * 1000:.1f} ms a request"
    )
    print(
        f"  {'page (phase B)':28} {'weight':>6} {'count':>6} {'errors':>6} {'median':>9} {'p95':>9} × floor"
    )
    every_b = [s for s in samples if s.phase == "B"]  # the pages and their charts
    for page in [*MIX, Page(CHART, 0, lambda rnd, w: "")]:
        times = [s.seconds for s in every_b if s.page == page.name]
        if times:
            wrong = sum(1 for s in every_b if s.page == page.name and s.error)
            ratio = statistics.median(times) / statistics.median(floor_b) if floor_b else float("nan")
            print(
                f"  {page.name:28} {page.weight:6d} {len(times):6d} {wrong:6d} {ms(times)}"
                f" {p95(times) * 1000:7.1f}ms {ratio:7.1f}x"
            )
    for line in sorted({f"{s.phase} {s.page}: {s.error}" for s in errors})[:10]:
        print(f"  error: {line}")
    for line in failed[:5]:
        print(f"  sign-in failed: {line}")
    nan = float("nan")
    return {
        "label": config.label,
        "rate_a": rate_a,
        "rate_b": rate_b,
        "errors": len(errors) + len(failed),
        "median_b": statistics.median(s.seconds for s in b) if b else nan,
        "p95_b": p95([s.seconds for s in b]) if b else nan,
        "floor_a": statistics.median(a) if a else nan,
        "floor_b": statistics.median(floor_b) if floor_b else nan,
        "memory": memory,
        "cpu_b": cpu_b / max(len(b), 1),
    }


def main() -> None:
    scale = os.environ.get("SCALE", "small")
    configs = [Config.parse(c) for c in os.environ.get("CONFIGS", "").split()] or [
        Config("the configuration file's defaults")
    ]
    world, users = prepare(scale)
    collect_static()
    print(
        f"\n{USERS} users ({ROLE}s of the largest partner),"
        f" think time {THINK[0]:.0f}–{THINK[1]:.0f} s, {DURATION:.0f} s a phase; {os.cpu_count()} CPUs;"
        f" scale {scale}: {SCALES[scale].label()}"
    )
    results = []
    for config in configs:
        port = free_port()
        log = Path(f"/tmp/bench-load-{os.getpid()}-{config.label.replace(':', '-').replace(' ', '_')}.log")
        before = os.getloadavg()[0]
        server = start_gunicorn(config, port, log)
        try:
            run = Run(port, world, users, server.pid)
            samples = run.go()
            memory = usage(server.pid)[1]
        finally:
            server.terminate()
            server.wait(30)
        failed = [u.failed for u in run.users if u.failed]
        results.append(summarize(config, samples, failed, memory, (before, os.getloadavg()[0]), run.cpu))
        timeouts = log.read_text(errors="replace").count("WORKER TIMEOUT")
        if timeouts:
            print(f"  gunicorn: {timeouts} worker timeouts ({log})")
    if len(results) > 1:
        print(
            f"\n  {'configuration':16} {'A req/s':>8} {'B req/s':>8} {'B/A':>5} {'errors':>6}"
            f" {'B median':>9} {'B p95':>9} {'floor A':>8} {'floor B':>8} {'CPU/req':>8} {'MB':>5}"
        )
        for r in results:
            print(
                f"  {r['label']:16} {r['rate_a']:8.1f} {r['rate_b']:8.1f} {r['rate_b'] / r['rate_a']:5.2f}"
                f" {r['errors']:6d} {r['median_b'] * 1000:7.1f}ms {r['p95_b'] * 1000:7.1f}ms"
                f" {r['floor_a'] * 1000:6.1f}ms {r['floor_b'] * 1000:6.1f}ms {r['cpu_b'] * 1000:6.1f}ms"
                f" {r['memory']:5.0f}"
            )
        clean = [r for r in results if not r["errors"]] or results
        best = max(clean, key=lambda r: (round(r["rate_b"], 0), -r["median_b"]))
        print(f"  best (no errors, then requests/s, then the mix's median): {best['label']}")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
