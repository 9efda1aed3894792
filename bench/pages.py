"""Every main page as the Administrator of the largest partner (the rows "Restricted: …" as a Viewer
restricted to half its customers), against the floor page (`/access/security/`: the base layout and nothing
else) measured in the same run: median and p95 of interleaved requests, the ratio of the median to the
floor's, and the page's query count.

    bench/run pages                   # a small partner world (quick): 500 subaccounts, 92 days
    SCALE=medium bench/run pages      # 3,000 subaccounts under 600 accounts, 92 days (~0.9 M rows), kept in
                                      # <DATABASE_URL's>_medium like full
    SCALE=full bench/run pages        # DESIGN.md's largest partner (bench/seed_scale's defaults, ~12 M rows);
                                      # its database (<DATABASE_URL's>_scale) is kept and reused by later runs
    ROUNDS=15 bench/run pages         # requests per page (default 15)
    ONLY='reward|Restricted' bench/run pages  # only the rows whose name matches (and the floor, always)

In-process (Django's test client against the real PostgreSQL), so the figures are the application's: no
network, no gunicorn. ``HTTP=1`` then times the same pages as issue 13 measured them: over HTTP against a real
gunicorn on production settings (bench/load.py's: scripts/gunicorn.conf.py's defaults, the statement timeout,
a new connection per request as from the TLS proxy), signed in through the sign-in page — all but the rows
that need this process's knobs (a new chart or ranking each time, a chart's image drawn each time).
"""

from __future__ import annotations

import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("API_RATE", "1000000/min")  # the API's calls are timed here, not its rate limit

import django  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.list_pages import bench_database, with_database  # noqa: E402
from bench.seed_scale import ADMIN_EMAIL, LARGEST, Size, seed  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "15"))
ONLY = re.compile(os.environ.get("ONLY", ""))  # the rows timed: those whose name it finds, and the floor
FLOOR = "Floor: security"
SCALES = {
    "small": Size(subaccounts=500, accounts=100, days=92, small_partners=10, deals=10),
    "medium": Size(subaccounts=3_000, accounts=600, days=92, small_partners=20),
    "full": Size(),
}
RESTRICTED = "Restricted: "  # a page as a Viewer restricted to half the customers (restricted_viewer())
RESTRICTED_EMAIL = "viewer@largest.example"
NEW_CHART = ", new chart"  # a page whose chart is not kept yet (main())
# a page whose period's ranking, totals and chart, and the page itself, are not kept yet, as after an import
# (main())
NEW_RANKING = ", first view"
CHART_OF = "chart-of:"  # the light image of the chart of the page that follows, drawn each time (main())
KEPT = {"medium": "medium", "full": "scale"}  # scale → the kept database's suffix (seeded once, reused)


def use_database(scale: str, size: Size) -> bool:
    """Point DATABASE_URL at this scale's database; True when it must be (re)seeded. The medium and full
    scales are kept between runs (seeding takes minutes) and reseeded only when the size asked for changed."""
    import environ

    from portal import embedded

    url = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    name = bench_database(environ.Env.db_url_config(url)["NAME"], KEPT.get(scale, "bench"))
    marker = size.label()
    admin_url = with_database(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        seeded = None
        if exists and scale in KEPT:
            with psycopg.connect(with_database(url, name)) as db:
                seeded = db.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                    "WHERE datname = current_database()").fetchone()[0]  # fmt: skip
        if seeded == marker:
            os.environ["DATABASE_URL"] = with_database(url, name)
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
        comment = sql.SQL("COMMENT ON DATABASE {} IS {}")
        conn.execute(comment.format(sql.Identifier(name), sql.Literal(marker)))
    os.environ["DATABASE_URL"] = with_database(url, name)
    return True


def pages(world) -> list[tuple[str, str]]:
    from django.urls import reverse

    today = datetime.date.today()
    days = f"period=custom&start={today - datetime.timedelta(days=91)}&finish={today}"
    # this month and the two before it, from their first days (the monthly aggregates stand for them)
    first = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    months = f"period=custom&start={first}&finish={today}"
    usage = reverse("finance:usage")
    commission = reverse("finance:commission")
    period = f"start={today - datetime.timedelta(days=91)}&finish={today}"
    last_month = "period=last_month&group=month"
    by_consumption = f"{days}&group=day&view=folder&sort=-consumption"
    by_reward = f"{days}&group=day&view=folder&sort=-reward"
    return [
        (FLOOR, reverse("access:security")),
        ("Dashboard", reverse("dashboard")),
        ("Accounts", reverse("accounts:list")),
        ("Subaccounts", reverse("subaccounts:list")),
        ("Subaccounts, sorted by name", reverse("subaccounts:list") + "?sort=-name"),
        ("Subaccounts, active", reverse("subaccounts:list") + "?status=active"),
        ("Subaccounts, search", reverse("subaccounts:list") + "?q=00042"),
        ("Subaccount", reverse("subaccounts:detail", args=[world["subaccount"].pk])),
        ("Usage, 92 days by day", f"{usage}?{days}&group=day"),
        ("Usage, 92 days by month", f"{usage}?{days}&group=month"),
        ("Usage, one subaccount", f"{usage}?subaccount={world['subaccount'].pk}"),
        (f"Usage, 92 days by day{NEW_RANKING}", f"{usage}?{days}&group=day"),
        # a chart is kept once drawn (portal/charts.py): these pages' charts are new each time, as for the
        # first to open a page after an import, or another subaccount; and the chart's image, drawn each time
        (f"Usage, 92 days by day{NEW_CHART}", f"{usage}?{days}&group=day"),
        (f"Usage, one subaccount{NEW_CHART}", f"{usage}?subaccount={world['subaccount'].pk}"),
        (f"Subaccount{NEW_CHART}", reverse("subaccounts:detail", args=[world["subaccount"].pk])),
        ("Its chart: Usage, 92 days by day, drawn", f"{CHART_OF}{usage}?{days}&group=day"),
        ("Its chart: Usage, one subaccount, drawn", f"{CHART_OF}{usage}?subaccount={world['subaccount'].pk}"),
        ("Usage by folder, 92 days by day", f"{usage}?{days}&group=day&view=folder"),
        ("Usage by cloud, 92 days by week", f"{usage}?{days}&group=week&view=cloud"),
        ("Usage by subaccount, 92 days by month", f"{usage}?{days}&group=month&view=subaccount"),
        ("Usage by folder, 3 whole months by month", f"{usage}?{months}&group=month&view=folder"),
        (f"Usage by folder, 92 days by day{NEW_RANKING}", f"{usage}?{days}&group=day&view=folder"),
        (f"Usage by cloud, 92 days by week{NEW_RANKING}", f"{usage}?{days}&group=week&view=cloud"),
        (f"Usage by subaccount, by month{NEW_RANKING}", f"{usage}?{days}&group=month&view=subaccount"),
        (f"Usage by folder, 3 months{NEW_RANKING}", f"{usage}?{months}&group=month&view=folder"),
        # a column's sort (not the period first): each bucket ranked, then merged (finance/selectors.py
        # RANKING_ACROSS); 5.5 s before, every row of the period grouped with its reward
        ("Usage by folder, 92 days by day, by consumption", f"{usage}?{by_consumption}"),
        (f"Usage by folder, by consumption{NEW_RANKING}", f"{usage}?{by_consumption}"),
        # by the reward: each bucket ranked from its rows with every rule, then merged; kept after
        ("Usage by folder, 92 days by day, by reward", f"{usage}?{by_reward}"),
        (f"Usage by folder, by reward{NEW_RANKING}", f"{usage}?{by_reward}"),
        # a part of the partner that holds most of it: a search every subaccount matches, half the customers
        ("Usage, 92 days, search matching all", f"{usage}?{days}&group=day&q=ba-"),
        ("Usage by folder, 92 days, search matching all", f"{usage}?{days}&group=day&view=folder&q=ba-"),
        (f"Usage, search matching all{NEW_RANKING}", f"{usage}?{days}&group=day&q=ba-"),
        (f"Usage by folder, search all{NEW_RANKING}", f"{usage}?{days}&group=day&view=folder&q=ba-"),
        (f"{RESTRICTED}Usage, this month", usage),
        (f"{RESTRICTED}Usage by folder, this month", f"{usage}?view=folder"),
        (f"{RESTRICTED}Usage by folder, 92 days by day", f"{usage}?{days}&group=day&view=folder"),
        (f"{RESTRICTED}Usage, this month{NEW_RANKING}", usage),
        (f"{RESTRICTED}by folder, this month{NEW_RANKING}", f"{usage}?view=folder"),
        (f"{RESTRICTED}by folder, 92 days{NEW_RANKING}", f"{usage}?{days}&group=day&view=folder"),
        (f"{RESTRICTED}Dashboard", reverse("dashboard")),
        (f"{RESTRICTED}Subaccounts", reverse("subaccounts:list")),
        # preset periods, whose rankings an import works out for a large partner (finance.tasks.
        # warm_usage_rankings): their first opening after an import (main() renews the token and warms them)
        ("Usage by folder, this month, after an import", f"{usage}?view=folder"),
        ("Usage by subaccount, last month, after import", f"{usage}?{last_month}&view=subaccount"),
        ("Accruals", reverse("finance:index")),
        ("Accrual", reverse("finance:accrual_detail", args=[world["accrual"].pk])),
        ("Bonuses by month", reverse("finance:bonuses")),
        ("Partner bonus", reverse("finance:partner_bonus")),
        ("Subaccount bonus", reverse("finance:subaccount_bonus", args=[world["subaccount"].pk])),
        ("Rebate balance", reverse("finance:balance")),
        ("Commission statistics", reverse("finance:commission")),
        ("Commission statistics, 92 days", f"{commission}?{period}"),
        (f"Commission statistics, 92 days{NEW_CHART}", f"{commission}?{period}"),
        ("Commission, 92 days by reward", f"{commission}?{period}&customers-sort=-reward"),
        ("Commission, 92 days, page 10", f"{commission}?{period}&customers-page=10"),
        ("Commission, 92 days, search", f"{commission}?{period}&customer=0042"),
        ("Partner profile", reverse("profiles:profile")),
        ("Registrations", reverse("tools:index")),
        ("Search: one customer", reverse("search") + "?q=00042"),
        ("Search: every customer (capped)", reverse("search") + "?q=customer"),
        ("Search suggestions", reverse("search_suggest") + "?q=00042"),
        ("Notifications", reverse("access:notifications")),
        # the Partner API with a token of the same Administrator (issue 16): cursor pages of 100
        ("API: accounts", "/api/v1/accounts/?page_size=100"),
        ("API: subaccounts", "/api/v1/subaccounts/?page_size=100"),
        ("API: subaccounts, page 11 (cursor)", world["deep_page"]),
        ("API: subaccounts, search", "/api/v1/subaccounts/?q=00042"),
        ("API: accruals", "/api/v1/accruals/?page_size=100"),
        ("API: consumption, 92 days", f"/api/v1/consumption/?{days}&group=day&page_size=100"),
        ("API: balances", "/api/v1/balances/"),
    ]


def restricted_viewer(partner):
    """A Viewer with personal data restricted to every other customer account of the partner (1,000 at full
    scale): the member with the most customers short of all of them, made once and kept."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db import connection
    from guardian.shortcuts import assign_perm

    from access.models import Membership
    from access.services import ACCOUNT_PERM
    from accounts.models import Account
    from portal.permissions import Role

    user, made = get_user_model().objects.get_or_create(
        username=RESTRICTED_EMAIL, defaults={"email": RESTRICTED_EMAIL}
    )
    EmailAddress.objects.get_or_create(user=user, email=RESTRICTED_EMAIL, verified=True, primary=True)
    membership, _ = Membership.objects.get_or_create(
        user=user, partner=partner, defaults={"role": Role.VIEWER_PD, "restricted": True}
    )
    if made:
        accounts = Account.objects.filter(partner=partner).order_by("pk")
        granted = accounts.filter(pk__in=list(accounts.values_list("pk", flat=True)[::2]))
        assign_perm(ACCOUNT_PERM, user, granted)
        with connection.cursor() as cursor:  # (as autovacuum would soon after: the grants' statistics)
            cursor.execute("ANALYZE accounts_accountuserobjectpermission")
    return membership


def api_token(membership) -> str:
    """A day's token of ``membership`` with every scope, for the API's rows of the benchmark."""
    from django.utils import timezone

    from access import services
    from access.models import ApiToken

    _token, secret = services.api_token_create(
        membership=membership,
        actor=membership.user,
        name="bench",
        scopes=dict.fromkeys(ApiToken.Section.values, ApiToken.Level.WRITE),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return secret


def open_world(scale: str) -> None:
    """Django on this scale's database, migrated, and seeded (then analysed) when the database is new: what
    every benchmark of the largest partner starts from (this one and bench/load.py)."""
    size = SCALES[scale]
    fresh = use_database(scale, size)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if fresh:
        print(f"Seeding {size.label()} (through the importer and the accrual)")
        started = time.perf_counter()
        seed(size, log=print)
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
        connection.cursor().execute("VACUUM ANALYZE")


def main() -> None:
    scale = os.environ.get("SCALE", "small")
    size = SCALES[scale]
    open_world(scale)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client's host is allowed

    from finance.models import Accrual
    from profiles.models import Partner
    from subaccounts.models import Subaccount

    partner = Partner.objects.get(name=LARGEST)
    subaccount = Subaccount.objects.filter(partner=partner).order_by("pk").first()
    world = {
        "subaccount": subaccount,
        "accrual": Accrual.objects.filter(subaccount=subaccount).order_by("-period").first(),
    }
    client = Client()
    admin = partner.memberships.get(user__email=ADMIN_EMAIL)
    client.force_login(admin.user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(admin)}")
    viewer = restricted_viewer(partner)
    restricted = Client()
    restricted.force_login(viewer.user)
    deep = "/api/v1/subaccounts/?page_size=100"
    for _ in range(10):  # the cursor of the 11th page (or the last), as a client walking the list gets there
        deep = api.get(deep).json()["next"] or deep
    world["deep_page"] = deep
    from django.core.cache import cache

    from finance import selectors
    from finance.aggregates import usage_version_renew
    from portal import charts

    # as an import does: the partner's aggregates get a new token (every kept ranking is off), and the
    # rankings its members open first are worked out (the import's task, run here)
    with connection.cursor() as cursor:
        usage_version_renew(cursor, partner.pk)
    started = time.perf_counter()
    warmed = selectors.warm_rankings(partner)
    took = time.perf_counter() - started
    print(f"After an import: the rankings of {warmed} first pages worked out in {took:.1f} s")
    listed, drawn = [], {}
    for name, url in pages(world):
        if name != FLOOR and not ONLY.search(name):
            continue
        if url.startswith(CHART_OF):  # the page's chart image (its address: the digest of its figures)
            html = client.get(url.removeprefix(CHART_OF)).content.decode()
            url, drawn[name] = re.search(r'src="(/charts/([0-9a-f]{64})/light\.svg)"', html).groups()
        listed.append((name, url))
    kept_charts, kept_rankings = charts.CHART_VERSION, selectors.RANKING_VERSION

    def get(name, url):
        # a chart's digest holds CHART_VERSION, a ranking's key RANKING_VERSION: one of its own makes the
        # page's chart, or its ranking, a new one
        charts.CHART_VERSION = f"bench {time.perf_counter()}" if name.endswith(NEW_CHART) else kept_charts
        if name.endswith(NEW_RANKING):
            selectors.RANKING_VERSION = f"bench {time.perf_counter()}"
        if name in drawn:
            cache.delete(f"chart:{drawn[name]}:light")  # the image drawn, not read from the cache
        try:
            return signed_in(name, api=api, restricted=restricted, admin=client).get(url)
        finally:
            charts.CHART_VERSION, selectors.RANKING_VERSION = kept_charts, kept_rankings

    times: dict[str, list[float]] = {name: [] for name, _ in listed}
    queries, statuses = {}, {}
    for name, url in listed:  # warm-up, status and query count
        with CaptureQueriesContext(connection) as captured:
            statuses[name] = get(name, url).status_code
        queries[name] = len(captured)
        assert statuses[name] == 200, f"{name} ({url}) answered {statuses[name]}"
    reset_queries()
    for _ in range(ROUNDS):  # interleaved: the machine's noise falls on every page alike
        for name, url in listed:
            started = time.perf_counter()
            response = get(name, url)
            if response.streaming:
                b"".join(response.streaming_content)
            times[name].append(time.perf_counter() - started)
    print(f"\nPages of the largest partner ({scale}: {size.label()})")
    report(f"in-process, {ROUNDS} interleaved requests each", listed, times, queries)
    if os.environ.get("HTTP") == "1":
        served = [(name, url) for name, url in listed if not _in_process_only(name, drawn)]
        how = f"over HTTP, gunicorn on production settings, {ROUNDS} interleaved requests each"
        report(how, served, over_http(served, admin, viewer), queries)


def signed_in(name: str, *, api, restricted, admin):
    """Who requests a row: the API's token, the restricted Viewer or the Administrator, by the row's name."""
    if name.startswith("API:"):
        return api
    return restricted if name.startswith(RESTRICTED) else admin


def report(how: str, listed: list[tuple[str, str]], times: dict[str, list[float]], queries: dict) -> None:
    floor = statistics.median(times[FLOOR])
    print(f"  {how}:")
    print(f"  {'page':46} {'median':>9} {'p95':>9} {'× floor':>8} {'queries':>8}")
    for name, _url in listed:
        samples = sorted(times[name])
        median = statistics.median(samples)
        p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
        figures = f"{median * 1000:7.1f}ms {p95 * 1000:7.1f}ms {median / floor:7.1f}x"
        print(f"  {name:46} {figures} {queries[name]:8d}")


def _in_process_only(name: str, drawn: dict) -> bool:
    """A row whose request needs this process's knobs (CHART_VERSION, RANKING_VERSION, the chart's cache)."""
    return name.endswith((NEW_CHART, NEW_RANKING)) or name in drawn


def over_http(listed: list[tuple[str, str]], admin, viewer) -> dict[str, list[float]]:
    """Each page's times over HTTP against a real gunicorn on production settings (bench/load.py's), as the
    Administrator signed in through the sign-in page (the API's rows with a token of theirs; the restricted
    rows as the restricted ``viewer``)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from bench import load

    hasher = PBKDF2PasswordHasher()  # production's (this process's test settings hash with MD5)
    for member in (admin, viewer):
        member.user.password = hasher.encode(load.PASSWORD, hasher.salt())
        member.user.save(update_fields=["password"])
    load.collect_static()
    port = load.free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-pages-gunicorn-{port}.log"
    server = load.start_gunicorn(load.Config("production"), port, log)
    try:
        browser, api = load.Browser(port, "198.51.100.7"), load.Browser(port, "198.51.100.8")
        browser.login(ADMIN_EMAIL)
        restricted = load.Browser(port, "198.51.100.9")
        restricted.login(RESTRICTED_EMAIL)
        api.headers = {"Authorization": f"Bearer {api_token(admin)}", "Accept": "application/json"}

        def get(name, url):
            who = signed_in(name, api=api, restricted=restricted, admin=browser)
            status, _headers, _body = who.request("GET", url)
            assert status == 200, f"{name} ({url}) answered {status} over HTTP"

        for name, url in listed:
            get(name, url)  # warm-up
        times: dict[str, list[float]] = {name: [] for name, _ in listed}
        for _ in range(ROUNDS):
            for name, url in listed:
                started = time.perf_counter()
                get(name, url)
                times[name].append(time.perf_counter() - started)
        return times
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
