"""Export to bucket: each finished day of the detailed commission report written to the partner's
S3-compatible bucket — tested against a real S3 server (moto's standalone server on 127.0.0.1, with its IAM
checking every request's key and signature), never a mocked client."""

import csv
import datetime
import io
import json
import socket
import time
import urllib.request
from dataclasses import dataclass
from decimal import Decimal

import boto3
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from moto.server import ThreadedMotoServer

from finance import bucket_export, tasks
from finance.commission import commission_csv
from finance.importer import COLUMNS, load
from finance.models import BucketExport, BucketExportDay, Exclusion, Program, RebateTerm
from finance.services import exclusions_apply
from portal.encryption import unseal
from portal.models import OutboxMessage
from portal.permissions import Role
from tests.factories import (
    AccountFactory,
    BucketExportDayFactory,
    BucketExportFactory,
    ConsumptionFactory,
    RebateTermFactory,
    ReferralLinkFactory,
    ReferredCustomerFactory,
    SubaccountFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BUCKET = "partner-billing"
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(  # noqa: S310 (our own 127.0.0.1 server)
        url, data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def local_store_allowed(settings):
    """The test's S3 server listens on 127.0.0.1, which a partner's endpoint may not (the last test)."""
    settings.BUCKET_EXPORT_PRIVATE_ENDPOINTS = True


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Store:
    url: str
    key_id: str
    secret: str
    client: object

    def object_keys(self) -> list[str]:
        return [o["Key"] for o in self.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.fixture
def store(s3_server):
    """An empty store with one bucket and one IAM user allowed S3; from then on every request must carry
    that user's key and a good signature (moto's IAM check on)."""
    _post(f"{s3_server}/moto-api/reset", b"")
    _post(f"{s3_server}/moto-api/reset-auth", b"inf")
    setup = {"endpoint_url": s3_server, "region_name": "us-east-1"}
    iam = boto3.client("iam", aws_access_key_id="setup", aws_secret_access_key="setup", **setup)
    iam.create_user(UserName="exporter")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="exporter", PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="exporter")["AccessKey"]
    client = boto3.client(
        "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], **setup
    )
    client.create_bucket(Bucket=BUCKET)
    _post(f"{s3_server}/moto-api/reset-auth", b"0")
    yield Store(s3_server, key["AccessKeyId"], key["SecretAccessKey"], client)
    _post(f"{s3_server}/moto-api/reset-auth", b"inf")


def _export(partner, store, **kwargs) -> BucketExport:
    values = {
        "endpoint_url": store.url,
        "bucket": BUCKET,
        "prefix": "billing/daily/",
        "access_key_id": store.key_id,
        "start_date": YESTERDAY - datetime.timedelta(days=1),
        **kwargs,
    }
    secret = values.pop("secret", store.secret)
    return bucket_export.export_save(export=BucketExport(partner=partner), secret=secret, **values)


@pytest.fixture
def consumption(partner):
    """Rows on the two finished days before today, and today's (not finished: never exported)."""
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    for n, day in enumerate((YESTERDAY - datetime.timedelta(days=1), YESTERDAY, TODAY)):
        ConsumptionFactory(subaccount=sub, date=day, cost=Decimal("120.50") + n, sku_id=f"sku-{n}")
        ConsumptionFactory(subaccount=sub, date=day, cost=Decimal("3.25"), sku_id=f"sku-b{n}")
    return sub


def _report_download(client, day: datetime.date) -> bytes:
    """The commission report of one day as the Commission statistics page downloads it."""
    response = client.get(reverse("finance:commission"), {"start": day, "finish": day, "export": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _without_resource_id(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode())))
    column = rows[0].index("resource_id")
    return [row[:column] + row[column + 1 :] for row in rows]


@pytest.mark.parametrize("detail", list(BucketExport.Detail))
def test_each_finished_day_lands_under_its_name_with_the_commission_reports_rows(
    detail, consumption, partner, store, member, client_for
):
    export = _export(partner, store, detail=detail)
    assert tasks.export_to_bucket(export.pk) == 2

    days = [YESTERDAY - datetime.timedelta(days=1), YESTERDAY]
    assert sorted(store.object_keys()) == [f"billing/daily/{day}.csv" for day in days]  # not today's
    client = client_for(member())
    for day in days:
        written = store.body(f"billing/daily/{day}.csv")
        report = _report_download(client, day)
        if detail == BucketExport.Detail.RESOURCE:
            assert written == report
        else:
            assert b"resource_id" not in written.splitlines()[0]
            assert list(csv.reader(io.StringIO(written.decode()))) == _without_resource_id(report)
        record = BucketExportDay.objects.get(export=export, day=day)
        assert (record.status, record.rows, record.size, record.attempts) == ("written", 2, len(written), 1)
        assert record.key == f"billing/daily/{day}.csv"

    page = client.get(reverse("finance:bucket_export")).content.decode()
    assert f"billing/daily/{YESTERDAY}.csv" in page and "Written" in page


def test_the_report_itself_is_unchanged_with_resource_id_and_general_leaves_only_that_column_out(
    consumption, partner
):
    def rows(**kwargs):
        data = b"".join(
            commission_csv(
                partner_id=partner.pk, start=YESTERDAY, finish=YESTERDAY, account_ids=None, **kwargs
            )
        )
        return data

    full, general = rows(), rows(resource=False)
    assert full.splitlines()[0].split(b",")[6] == b"resource_id"
    assert list(csv.reader(io.StringIO(general.decode()))) == _without_resource_id(full)


def test_a_rerun_overwrites_the_days_object_and_a_backfill_writes_each_day_once(partner, store, consumption):
    export = _export(partner, store, start_date=YESTERDAY - datetime.timedelta(days=4))
    assert tasks.export_to_bucket(export.pk) == 5
    assert len(store.object_keys()) == 5 and BucketExportDay.objects.filter(status="written").count() == 5
    assert tasks.export_to_bucket(export.pk) == 0  # nothing owed: nothing written again
    assert set(BucketExportDay.objects.values_list("attempts", flat=True)) == {1}

    ConsumptionFactory(subaccount=consumption, date=YESTERDAY, cost=Decimal("7.77"))  # late data
    bucket_export.write_day(export, YESTERDAY)
    assert len(store.object_keys()) == 5  # the same name, replaced: no second object
    assert b"7.77" in store.body(f"billing/daily/{YESTERDAY}.csv")
    assert BucketExportDay.objects.get(day=YESTERDAY).rows == 3


def test_an_unreachable_endpoint_is_said_plainly_and_the_day_is_written_once_the_store_is_back(
    partner, store, consumption, member, client_for
):
    port = _free_port()
    export = _export(partner, store, endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(bucket_export.StorageUnavailable):
        tasks.export_to_bucket(export.pk)
    first, later = (
        BucketExportDay.objects.get(day=d) for d in (YESTERDAY - datetime.timedelta(days=1), YESTERDAY)
    )
    assert (first.status, first.attempts) == ("failed", 1) and "cannot be reached" in first.error
    assert later.status == "pending"  # never counted done while an earlier day is missing
    assert store.object_keys() == []

    client = client_for(member())
    page = client.get(reverse("finance:bucket_export")).content.decode()
    assert "Failed" in page and "The storage endpoint cannot be reached" in page
    tested = client.post(reverse("finance:bucket_export"), _form(export, test="1")).content.decode()
    assert "Test connection failed: The storage endpoint cannot be reached" in tested

    back = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)  # the same store, back
    back.start()
    try:
        assert tasks.export_to_bucket(export.pk) == 2
    finally:
        back.stop()
    first.refresh_from_db()
    assert (first.status, first.attempts, first.error) == ("written", 2, "")
    assert len(store.object_keys()) == 2


def test_storage_errors_are_retried_with_back_off_and_recorded_on_the_day(partner, store, consumption):
    export = _export(partner, store, endpoint_url=f"http://127.0.0.1:{_free_port()}")
    result = tasks.export_to_bucket.apply(args=[export.pk])  # eager: each retry runs at once
    assert result.failed()
    first = BucketExportDay.objects.get(day=YESTERDAY - datetime.timedelta(days=1))
    assert first.attempts == tasks.export_to_bucket.max_retries + 1 and first.status == "failed"
    assert tasks.export_to_bucket.retry_backoff and BucketExportDay.objects.get(day=YESTERDAY).attempts == 0


def _form(export: BucketExport, **extra) -> dict:
    return {
        "endpoint_url": export.endpoint_url,
        "region": export.region,
        "bucket": export.bucket,
        "prefix": export.prefix,
        "access_key_id": export.access_key_id,
        "secret": "",
        "detail": export.detail,
        "language": export.language,
        "start_date": export.start_date.isoformat() if export.start_date else "",
        "enabled": "on" if export.enabled else "",
        **extra,
    }


def test_a_wrong_key_is_said_plainly_and_the_day_is_written_once_the_key_is_right(
    partner, store, consumption, member, client_for
):
    export = _export(partner, store, secret="not-the-secret")
    with pytest.raises(bucket_export.StorageUnavailable):
        tasks.export_to_bucket(export.pk)
    failed = BucketExportDay.objects.get(day=YESTERDAY - datetime.timedelta(days=1))
    assert "does not accept the access key id or the secret key" in failed.error

    client = client_for(member())
    tested = client.post(reverse("finance:bucket_export"), _form(export, test="1")).content.decode()
    assert "Test connection failed: The storage does not accept the access key id or the secret key" in tested
    wrong_id = client.post(
        reverse("finance:bucket_export"), _form(export, test="1", access_key_id="AKIANOSUCHKEY")
    ).content.decode()
    assert "does not accept the access key id or the secret key" in wrong_id
    unknown = client.post(
        reverse("finance:bucket_export"),
        _form(export, test="1", bucket="no-such-bucket", secret=store.secret),
    ).content.decode()
    assert "The bucket “no-such-bucket” does not exist at this endpoint." in unknown
    works = client.post(reverse("finance:bucket_export"), _form(export, test="1", secret=store.secret))
    assert "Connection works" in works.content.decode()
    assert store.object_keys() == []  # the test object is removed again

    saved = client.post(reverse("finance:bucket_export"), _form(export, secret=store.secret))
    assert saved.status_code == 302
    assert tasks.export_to_bucket(export.pk) == 2
    assert len(store.object_keys()) == 2


def test_the_secret_is_stored_encrypted_never_shown_and_kept_when_left_empty(
    partner, store, member, client_for
):
    client = client_for(member(Role.EDITOR_PD))
    secret = "S3cret-Value-7f3a9c"
    data = {
        "endpoint_url": store.url,
        "region": "",
        "bucket": BUCKET,
        "prefix": "exports/",
        "access_key_id": store.key_id,
        "secret": secret,
        "detail": "resource",
        "language": "ru",
        "start_date": "",
        "enabled": "on",
    }
    missing = client.post(reverse("finance:bucket_export"), {**data, "secret": ""})
    assert "Enter the secret key." in missing.content.decode() and not BucketExport.objects.exists()
    no_slash = client.post(reverse("finance:bucket_export"), {**data, "prefix": "exports"})
    assert "must end with" in no_slash.content.decode() and not BucketExport.objects.exists()

    assert client.post(reverse("finance:bucket_export"), data).status_code == 302
    export = BucketExport.objects.get(partner=partner)
    assert OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM finance_bucketexport WHERE id = %s", [export.pk])
        assert secret not in repr(cursor.fetchone())
    assert unseal(export.secret_sealed) == secret
    page = client.get(reverse("finance:bucket_export")).content.decode()
    assert secret not in page and "A secret key is stored." in page

    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    in_admin = staff.get(reverse("admin:finance_bucketexport_change", args=[export.pk])).content.decode()
    assert export.bucket in in_admin and secret not in in_admin and export.secret_sealed not in in_admin

    client.post(reverse("finance:bucket_export"), {**data, "secret": "", "prefix": "other/"})
    export.refresh_from_db()
    assert export.prefix == "other/" and unseal(export.secret_sealed) == secret
    assert secret not in client.post(reverse("finance:bucket_export"), {**data, "test": "1"}).content.decode()


def test_only_the_partners_own_export_shows_and_only_roles_that_may_configure_it(
    partner, other_partner, member, client_for
):
    theirs = BucketExportFactory(partner=other_partner, bucket="omega-secret-bucket")
    BucketExportDayFactory(export=theirs, day=YESTERDAY, error="omega failure")
    client = client_for(member())
    page = client.get(reverse("finance:bucket_export")).content.decode()
    assert "omega-secret-bucket" not in page and "omega failure" not in page
    assert client.get(reverse("finance:bucket_export"), {"export": "csv"}).status_code == 200

    for role in (Role.VIEWER, Role.VIEWER_PD, Role.EDITOR):
        denied = client_for(member(role))
        assert denied.get(reverse("finance:bucket_export")).status_code == 403
        assert denied.post(reverse("finance:bucket_export"), {"bucket": "x"}).status_code == 403
    restricted = member(Role.ADMINISTRATOR, restricted=True)
    assert client_for(restricted).get(reverse("finance:bucket_export")).status_code == 403
    assert (
        "Export to bucket"
        not in client_for(member(Role.VIEWER_PD)).get(reverse("finance:commission")).content.decode()
    )
    assert "Export to bucket" in client.get(reverse("finance:commission")).content.decode()

    saved = client.post(
        reverse("finance:bucket_export"),
        {
            "endpoint_url": "http://127.0.0.1:9",
            "bucket": "alpha-bucket",
            "prefix": "a/",
            "access_key_id": "AKIAALPHA",
            "secret": "alpha",
            "detail": "general",
            "language": "en",
        },
    )
    assert saved.status_code == 302
    theirs.refresh_from_db()
    assert theirs.bucket == "omega-secret-bucket" and BucketExport.objects.count() == 2


def test_the_daily_beat_queues_one_export_per_enabled_export(partner, other_partner):
    on = BucketExportFactory(partner=partner)
    BucketExportFactory(partner=other_partner, enabled=False)
    beat = PeriodicTask.objects.get(task="finance.tasks.export_to_buckets")
    assert beat.enabled and beat.crontab.hour == "6"
    assert tasks.export_to_buckets() == 1
    assert list(
        OutboxMessage.objects.filter(task=tasks.export_to_bucket.name).values_list("args", flat=True)
    ) == [[on.pk]]


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:9000", "http://169.254.169.254/", "http://10.0.0.5", "http://[::1]:9000"]
)
def test_an_endpoint_inside_the_providers_network_is_refused(endpoint, partner, member, client_for, settings):
    settings.BUCKET_EXPORT_PRIVATE_ENDPOINTS = False
    export = BucketExportFactory(partner=partner, endpoint_url=endpoint)
    BucketExportDayFactory(export=export, day=YESTERDAY)
    data = {**_form(export), "secret": "x", "test": "1"}
    page = client_for(member()).post(reverse("finance:bucket_export"), data).content.decode()
    assert "must be a public address" in page and "Connection works" not in page
    with pytest.raises(bucket_export.StorageUnavailable, match="public address"):
        bucket_export.write_day(export, YESTERDAY)


def test_files_moved_elsewhere_are_all_written_again(partner, store, consumption):
    export = _export(partner, store)
    assert tasks.export_to_bucket(export.pk) == 2
    bucket_export.export_save(export=export, secret="", start_date=export.start_date)  # unchanged: kept
    assert BucketExportDay.objects.filter(status="written").count() == 2
    bucket_export.export_save(export=export, prefix="moved/")
    assert not BucketExportDay.objects.exists()
    assert tasks.export_to_bucket(export.pk) == 2
    assert sorted(k.split("/")[0] for k in store.object_keys()) == ["billing", "billing", "moved", "moved"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_days_the_beat_queues(celery_worker_over_redis, partner, store, consumption):
    export = _export(partner, store)
    assert tasks.export_to_buckets.delay().get(timeout=30) == 1  # queued through the outbox to the worker
    deadline = time.monotonic() + 60
    while BucketExportDay.objects.filter(export=export, status="written").count() < 2:
        assert time.monotonic() < deadline, list(
            BucketExportDay.objects.values_list("day", "status", "error")
        )
        time.sleep(0.2)
    assert sorted(store.object_keys()) == [
        f"billing/daily/{YESTERDAY - datetime.timedelta(days=1)}.csv",
        f"billing/daily/{YESTERDAY}.csv",
    ]


def _billing_file(tmp_path, *lines: tuple[str, datetime.date, str]) -> str:
    """Billing's file of ``(billing account, day, cost)`` lines, the importer's columns."""
    path = tmp_path / "billing.csv"
    rows = [
        [
            ba,
            day.isoformat(),
            "c1",
            "prod",
            "f1",
            "default",
            "compute",
            "Compute",
            "sku-new",
            "vCPU",
            "2",
            "hour",
        ]
        + [cost, "0", "RUB"]
        for ba, day, cost in lines
    ]
    path.write_text("\n".join(",".join(row) for row in [list(COLUMNS), *rows]) + "\n", encoding="utf-8")
    return path


def _rows(data: bytes, download: bool = False) -> list[list[str]]:
    """A General level file's rows (the download's with resource_id left out), without exported_at (the
    second it was written)."""
    rows = _without_resource_id(data) if download else list(csv.reader(io.StringIO(data.decode())))
    return [row[:-1] for row in rows]


def test_a_day_imported_again_after_it_was_written_is_written_again_with_the_new_figures(
    tmp_path, partner, other_partner, store, consumption, member, client_for
):
    export = _export(partner, store)
    theirs = _export(other_partner, store, prefix="theirs/")  # written too, no consumption in the period
    assert tasks.export_to_bucket(export.pk) == 2 and tasks.export_to_bucket(theirs.pk) == 2
    before = store.body(f"billing/daily/{YESTERDAY}.csv")

    load(_billing_file(tmp_path, ("ba-1", YESTERDAY, "999.99")))  # yesterday's figures, replaced
    day = BucketExportDay.objects.get(export=export, day=YESTERDAY)
    assert (day.status, day.attempts, day.key) == ("changed", 1, f"billing/daily/{YESTERDAY}.csv")
    earlier = YESTERDAY - datetime.timedelta(days=1)
    assert BucketExportDay.objects.get(export=export, day=earlier).status == "written"  # not imported again
    assert set(BucketExportDay.objects.filter(export=theirs).values_list("status", flat=True)) == {"written"}
    page = client_for(member()).get(reverse("finance:bucket_export")).content.decode()
    assert "Changed since written — will be written again" in page and "1 of 2 days written" in page

    assert tasks.export_to_bucket(export.pk) == 1  # only the changed day
    after = store.body(f"billing/daily/{YESTERDAY}.csv")
    assert b"121.50" in before and b"999.99" in after and b"121.50" not in after
    assert _rows(after) == _rows(_report_download(client_for(member()), YESTERDAY), download=True)
    day.refresh_from_db()
    assert (day.status, day.attempts, day.rows) == ("written", 2, 1)
    assert BucketExportDay.objects.get(export=export, day=earlier).attempts == 1
    assert sorted(store.object_keys()) == sorted(  # the same names overwritten: no second object
        [f"{prefix}{d}.csv" for prefix in ("billing/daily/", "theirs/") for d in (earlier, YESTERDAY)]
    )
    assert set(BucketExportDay.objects.filter(export=theirs).values_list("attempts", flat=True)) == {1}


def test_a_reimport_of_days_never_exported_changes_no_export_day(tmp_path, partner, store, consumption):
    export = _export(partner, store, start_date=YESTERDAY)
    assert tasks.export_to_bucket(export.pk) == 1
    written = list(BucketExportDay.objects.values_list("day", "status", "attempts", "updated_at"))

    before_start = YESTERDAY - datetime.timedelta(days=1)
    load(_billing_file(tmp_path, ("ba-1", before_start, "5.00")))  # before the export's start date
    load(_billing_file(tmp_path, ("ba-1", TODAY, "6.00")))  # today: not finished, never exported
    assert list(BucketExportDay.objects.values_list("day", "status", "attempts", "updated_at")) == written
    assert tasks.export_to_bucket(export.pk) == 0


def test_a_day_whose_data_changes_while_it_is_written_stays_owed(partner, store, consumption, monkeypatch):
    export = _export(partner, store, start_date=YESTERDAY)
    report = bucket_export.commission_csv

    def import_meanwhile(**kwargs):  # the rows are read, then an import of that day commits
        yield from report(**kwargs)
        bucket_export.days_changed(partner_ids=[partner.pk], first=YESTERDAY, last=YESTERDAY)

    monkeypatch.setattr(bucket_export, "commission_csv", import_meanwhile)
    bucket_export.write_day(export, YESTERDAY)
    assert BucketExportDay.objects.get(day=YESTERDAY).status == "pending"  # not counted as written
    monkeypatch.setattr(bucket_export, "commission_csv", report)
    assert bucket_export.days_due(export) == [YESTERDAY]
    assert tasks.export_to_bucket(export.pk) == 1
    assert BucketExportDay.objects.get(day=YESTERDAY).status == "written"


def test_a_change_of_what_the_reward_reads_makes_that_partners_written_days_owed_again(
    terms, partner, other_partner, store, consumption, member, client_for
):
    export = _export(partner, store)
    theirs = _export(other_partner, store, prefix="theirs/")
    tasks.export_to_bucket(export.pk), tasks.export_to_bucket(theirs.pk)
    before = _rows(store.body(f"billing/daily/{YESTERDAY}.csv"))
    assert {row[before[0].index("reward")] for row in before[1:]} != {"0.00"}  # the partner bonus

    # the customer turns out to have come through the partner's referral link: its rows earn no bonus
    ReferredCustomerFactory(link=ReferralLinkFactory(partner=partner), account=consumption.account)
    assert set(BucketExportDay.objects.filter(export=export).values_list("status", flat=True)) == {"changed"}
    assert set(BucketExportDay.objects.filter(export=theirs).values_list("status", flat=True)) == {"written"}
    assert tasks.export_to_bucket(export.pk) == 2 and tasks.export_to_bucket(theirs.pk) == 0
    written = _rows(store.body(f"billing/daily/{YESTERDAY}.csv"))
    assert written == _rows(_report_download(client_for(member()), YESTERDAY), download=True)
    assert {row[written[0].index("reward")] for row in written[1:]} == {"0.00"}  # now the referral's


def test_a_service_excluded_later_makes_the_days_of_its_months_owed_again(terms, partner, store, consumption):
    # from the last day of the month before the rows' (which has none)
    start = (YESTERDAY - datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)
    export = _export(partner, store, start_date=start)
    tasks.export_to_bucket(export.pk)
    Exclusion.objects.create(kind=Exclusion.Kind.MARKETPLACE, service_id="compute")  # the rows' service
    exclusions_apply(service_ids=["compute"])
    days = dict(BucketExportDay.objects.values_list("day", "status"))
    assert days.pop(start) == "written"  # a month without rows of the service
    assert set(days.values()) == {"changed"}
    assert tasks.export_to_bucket(export.pk) == len(days)
    written = _rows(store.body(f"billing/daily/{YESTERDAY}.csv"))
    assert {row[written[0].index("reward")] for row in written[1:]} == {"0.00"}


def test_a_changed_bonus_rate_makes_every_partners_written_days_from_its_month_owed_again(
    terms, partner, other_partner
):
    mine, theirs = BucketExportFactory(partner=partner), BucketExportFactory(partner=other_partner)
    month = YESTERDAY.replace(day=1)
    before = month - datetime.timedelta(days=1)
    for export in (mine, theirs):
        for day in (before, YESTERDAY):
            BucketExportDayFactory(export=export, day=day, status="written")
    RebateTermFactory(
        program=Program.PARTNER_BONUS, rate=Decimal("0.1200"), valid_from=YESTERDAY
    )  # a new rate
    days = BucketExportDay.objects.order_by("day", "export__partner_id")
    assert list(days.values_list("status", flat=True)) == ["written", "written", "changed", "changed"]
    RebateTerm.objects.filter(valid_from__lt=month).update(rate=Decimal("0.1100"))  # the rate since 2024
    assert set(days.values_list("status", flat=True)) == {"changed"}


def test_a_backfill_longer_than_a_batch_goes_on_in_continuations_with_its_progress_shown(
    partner, store, consumption, member, client_for, settings
):
    settings.BUCKET_EXPORT_BATCH_SECONDS = 0  # a day a batch
    export = _export(partner, store, start_date=YESTERDAY - datetime.timedelta(days=4))
    queued = OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk])
    assert queued.count() == 1  # the save's
    client = client_for(member())
    assert "0 of 5 days written" in client.get(reverse("finance:bucket_export")).content.decode()

    assert tasks.export_to_bucket(export.pk) == 1
    assert queued.count() == 2  # its continuation, through the outbox
    page = client.get(reverse("finance:bucket_export")).content.decode()
    assert "1 of 5 days written" in page and '<progress id="export-progress" max="100" value="20">' in page
    for _run in range(4):
        assert tasks.export_to_bucket(export.pk) == 1
    assert queued.count() == 5  # the last batch left nothing: no continuation after it
    assert tasks.export_to_bucket(export.pk) == 0 and queued.count() == 5
    assert (
        list(BucketExportDay.objects.order_by("day").values_list("status", "attempts"))
        == [("written", 1)] * 5
    )
    assert len(store.object_keys()) == 5
    assert "5 of 5 days written" in client.get(reverse("finance:bucket_export")).content.decode()


def test_a_failed_day_in_a_batch_stops_it_and_queues_no_continuation(partner, store, consumption, settings):
    settings.BUCKET_EXPORT_BATCH_SECONDS = 0
    export = _export(partner, store, endpoint_url=f"http://127.0.0.1:{_free_port()}")
    queued = OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk])
    with pytest.raises(bucket_export.StorageUnavailable):
        tasks.export_to_bucket(export.pk)
    assert queued.count() == 1  # the retry with back-off goes on, not a continuation past the failed day
    assert list(BucketExportDay.objects.order_by("day").values_list("status", flat=True)) == [
        "failed",
        "pending",
    ]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_a_long_backfill_through_its_continuations_each_day_once(
    celery_worker_over_redis, partner, store, consumption, settings
):
    settings.BUCKET_EXPORT_BATCH_SECONDS = 0  # a day a batch: every day but the first by a continuation
    export = _export(partner, store, start_date=YESTERDAY - datetime.timedelta(days=5))  # queued on save
    deadline = time.monotonic() + 60
    while BucketExportDay.objects.filter(export=export, status="written").count() < 6:
        assert time.monotonic() < deadline, list(
            BucketExportDay.objects.values_list("day", "status", "error")
        )
        time.sleep(0.2)
    assert set(BucketExportDay.objects.values_list("attempts", flat=True)) == {1}
    assert len(store.object_keys()) == 6
    runs = OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk])
    deadline = time.monotonic() + 30
    while runs.filter(done_at__isnull=True).exists():  # the last run ends and queues nothing more
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert runs.count() == 6
