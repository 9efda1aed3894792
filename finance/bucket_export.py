"""The regular export of the detailed commission report to a partner's S3-compatible bucket.

Each finished day (the provider's days: TIME_ZONE) becomes ``{prefix}{YYYY-MM-DD}.csv``, the rows of the
commission report's own COPY path (finance/commission.py), spooled to a temporary file and uploaded by
django-storages' S3 storage (boto3's managed transfer: multipart for a large day). The object's name is the
day's, so writing a day again overwrites it — never a second copy. Days go in order: the first that fails is
recorded with its reason and stops the run, so no later day is counted done while an earlier one is missing.

A run writes a batch (BUCKET_EXPORT_BATCH_SECONDS of writing) and queues its continuation through the outbox,
so a long back-fill is a chain of short tasks: the page shows its progress, and a worker's restart waits for
(or loses) at most one batch. A day whose data changes after it was written (a re-import of its period, a
change of what its rewards depend on) is marked changed in the transaction of that change and written again
by the next run.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from storages.backends.s3 import S3Storage

from portal import outbox, replica
from portal.encryption import InvalidToken, seal, unseal

from .commission import commission_csv
from .models import BucketExport, BucketExportDay

# kept in memory up to this size, then on disk: a day of the largest partner never sits in memory whole
SPOOL_BYTES = 8 * 1024 * 1024


class StorageUnavailable(Exception):
    """The storage refused or could not be reached; the message says why in plain words."""


def endpoint_problem(url: str) -> str | None:
    """Why the portal will not connect to ``url``, or None: a partner's endpoint must resolve to public
    addresses only, so the export cannot be pointed into the provider's own network (BUCKET_EXPORT_PRIVATE_
    ENDPOINTS lifts this for a development store on localhost)."""
    host = urlsplit(url).hostname
    if not host:
        return _("Enter the storage endpoint's address, e.g. https://storage.example.com.")
    if settings.BUCKET_EXPORT_PRIVATE_ENDPOINTS:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return _("The storage endpoint's host name is unknown: check its address.")
    if not all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        return _("The storage endpoint must be a public address, not a private or local one.")
    return None


@dataclass(frozen=True)
class Target:
    """Where an export writes: what the form holds, the secret in clear (never stored so)."""

    endpoint_url: str
    region: str
    bucket: str
    prefix: str
    access_key_id: str
    secret: str

    @classmethod
    def of(cls, export: BucketExport, secret: str = "") -> Target:
        """The export's target; ``secret`` (one just entered) instead of the stored one."""
        try:
            secret = secret or unseal(export.secret_sealed)
        except InvalidToken as error:
            raise StorageUnavailable(
                _("The stored secret key cannot be read any more (the portal's key changed): enter it again.")
            ) from error
        refused = endpoint_problem(export.endpoint_url)
        if refused:
            raise StorageUnavailable(refused)
        return cls(
            export.endpoint_url, export.region, export.bucket, export.prefix, export.access_key_id, secret
        )

    def storage(self) -> S3Storage:
        """The target's storage, made once: its client (connections, signing, the endpoint) serves every day
        of a run — a new one a day cost 74–213 ms of the back-fill's 0.6 s a day (bench/README.md)."""
        made = self.__dict__.get("_storage")  # (a frozen dataclass: kept beside its fields, not as one)
        if made is None:
            made = self.__dict__["_storage"] = self._make_storage()
        return made

    def _make_storage(self) -> S3Storage:
        timeout = settings.BUCKET_EXPORT_TIMEOUT
        return S3Storage(
            endpoint_url=self.endpoint_url,
            region_name=self.region or None,
            bucket_name=self.bucket,
            access_key=self.access_key_id,
            secret_key=self.secret,
            location="",
            file_overwrite=True,  # a day written again replaces its object
            default_acl=None,
            querystring_auth=False,
            client_config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 2, "mode": "standard"},  # the task retries with back-off
                signature_version="s3v4",
                s3={"addressing_style": "path"},  # any S3-compatible store, whatever its DNS
            ),
        )


ACCESS_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "AuthorizationHeaderMalformed",
    "InvalidToken",
    "ExpiredToken",
}


def problem(error: Exception, bucket: str) -> str:
    """What went wrong with the storage, in plain words a partner can act on."""
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError):
        return _("The storage endpoint cannot be reached: check its address, or try again later.")
    if isinstance(error, ReadTimeoutError):
        return _("The storage did not answer in time; it will be tried again.")
    if isinstance(error, NoCredentialsError):
        return _("The access key id or the secret key is missing.")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404", "NotFound"):
            return _("The bucket “%(bucket)s” does not exist at this endpoint.") % {"bucket": bucket}
        if code in ACCESS_CODES:
            return _("The storage does not accept the access key id or the secret key: check both.")
        if code in ("AccessDenied", "403", "AllAccessDisabled"):
            return _("The key is valid but may not write to the bucket “%(bucket)s” (access denied).") % {
                "bucket": bucket
            }
        message = error.response.get("Error", {}).get("Message", "")
        return _("The storage refused: %(code)s %(message)s") % {"code": code, "message": message}
    if isinstance(error, StorageUnavailable):
        return str(error)
    return _("The storage could not be used: %(error)s") % {"error": error}


STORAGE_ERRORS = (BotoCoreError, ClientError, OSError, ValueError, StorageUnavailable)


def test_connection(target: Target) -> str | None:
    """Write a small object under the prefix and delete it: None when both worked, else what went wrong."""
    storage = target.storage()
    name = f"{target.prefix}.portal-connection-test-{uuid.uuid4().hex}.txt"
    try:
        storage.save(name, ContentFile(b"partner portal: connection test\n"))
        storage.delete(name)
    except STORAGE_ERRORS as error:
        return problem(error, target.bucket)
    return None


# what makes the files somewhere else or different: a change writes every day again
DESTINATION = ("endpoint_url", "bucket", "prefix", "detail")


def export_save(*, export: BucketExport, secret: str = "", **fields) -> BucketExport:
    """Set up or change a partner's export (``fields``: its settings); an empty ``secret`` keeps the stored
    one, else it is stored encrypted. Written days stay written unless the files go elsewhere or change
    (``DESTINATION``): then every day is owed again. What it owes (a back-fill) is written by a task queued
    once this commits."""
    from .tasks import export_to_bucket  # the tasks call this module

    for name, value in fields.items():
        setattr(export, name, value)
    moved = False
    if export.pk:
        before = BucketExport.objects.filter(pk=export.pk).values(*DESTINATION).first()
        moved = before is not None and any(before[name] != getattr(export, name) for name in DESTINATION)
    if secret:
        export.secret_sealed = seal(secret)
    if not export.secret_sealed:
        raise ValidationError({"secret": _("Enter the secret key.")})
    export.full_clean(exclude=["partner", "secret_sealed"])
    export.save()
    if moved:  # another place or another file: every day is written there again
        BucketExportDay.objects.filter(export=export).delete()
    if export.enabled:
        outbox.enqueue(export_to_bucket, export.pk)
    return export


def object_key(export: BucketExport, day: datetime.date) -> str:
    return f"{export.prefix}{day.isoformat()}.csv"


def export_days(
    export: BucketExport, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The first and the last day the export covers: from its start date (or the day before it was set up)
    to yesterday, the last finished day (before the first when there is none yet)."""
    today = today or timezone.localdate()
    first = export.start_date or (timezone.localdate(export.created_at) - datetime.timedelta(days=1))
    return first, today - datetime.timedelta(days=1)


def days_due(export: BucketExport, today: datetime.date | None = None) -> list[datetime.date]:
    """The finished days the export owes, oldest first: those of ``export_days`` not written, or changed
    since they were."""
    first, last = export_days(export, today)
    written = set(
        BucketExportDay.objects.filter(
            export=export, status=BucketExportDay.Status.WRITTEN, day__gte=first, day__lte=last
        ).values_list("day", flat=True)
    )
    count = (last - first).days + 1
    days = (first + datetime.timedelta(days=n) for n in range(max(count, 0)))
    return [day for day in days if day not in written]


@dataclass(frozen=True)
class Progress:
    written: int
    total: int

    @property
    def percent(self) -> int:
        return 100 * self.written // self.total if self.total else 100


def export_progress(export: BucketExport, today: datetime.date | None = None) -> Progress:
    """How many of the days the export covers are written as their data now stands (the page's bar)."""
    first, last = export_days(export, today)
    written = BucketExportDay.objects.filter(
        export=export, status=BucketExportDay.Status.WRITTEN, day__gte=first, day__lte=last
    ).count()
    return Progress(written, max((last - first).days + 1, 0))


def days_changed(*, partner_ids: list[int], first: datetime.date, last: datetime.date) -> int:
    """Those partners' report rows of the days from ``first`` to ``last`` changed (a re-import of the period,
    an exclusion applied to them): their written days become changed, owed again (the next run writes them
    over their objects). One UPDATE, in the caller's transaction; every day of the range is touched, so a day
    being written meanwhile is not recorded as written with the figures it read before (``write_day``). Days
    never exported: nothing. Returns how many days it touched."""
    with scopes_disabled():  # billing's file, the exclusion list: any partner's days
        return BucketExportDay.objects.filter(
            export__partner_id__in=partner_ids, day__gte=first, day__lte=last
        ).update(
            status=Case(
                When(status=BucketExportDay.Status.WRITTEN, then=Value(BucketExportDay.Status.CHANGED)),
                default=F("status"),
            ),
            updated_at=Now(),
        )


def write_day(export: BucketExport, day: datetime.date, target: Target | None = None) -> BucketExportDay:
    """Write one day's file (again, if it was: the same name, overwritten) and record it; a storage error is
    recorded on the day in plain words and raised as ``StorageUnavailable``. A day whose data changed while
    it was written (``days_changed`` touched it) is left owed: its object is written again by the next run.
    A changed day is read from the primary, so a lagging replica cannot write the old figures again."""
    record, _created = BucketExportDay.objects.get_or_create(export=export, day=day)
    key = object_key(export, day)
    changed = record.status == BucketExportDay.Status.CHANGED
    try:
        target = target or Target.of(export)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
            lines = 0
            for block in commission_csv(
                partner_id=export.partner_id,
                start=day,
                finish=day,
                account_ids=None,  # the whole partner's: set up by members who see every customer
                using=DEFAULT_DB_ALIAS if changed else replica.read_alias(),
                resource=export.detail == BucketExport.Detail.RESOURCE,
            ):
                out.write(block)
                lines += block.count(b"\n")
            size = out.tell()
            out.seek(0)
            target.storage().save(key, File(out, name=key))
    except STORAGE_ERRORS as error:
        reason = problem(error, export.bucket)
        BucketExportDay.objects.filter(pk=record.pk).update(
            status=BucketExportDay.Status.FAILED,
            error=reason,
            attempts=record.attempts + 1,
            updated_at=timezone.now(),
        )
        raise StorageUnavailable(reason) from error
    BucketExportDay.objects.filter(pk=record.pk, updated_at=record.updated_at).update(
        status=BucketExportDay.Status.WRITTEN,
        key=key,
        size=size,
        rows=lines - 1,
        error="",
        attempts=record.attempts + 1,
        updated_at=timezone.now(),
    )
    record.refresh_from_db()
    return record


@dataclass(frozen=True)
class Batch:
    written: int  # days written by this run
    left: int  # days still owed after it: its continuation writes them


def export_run(export_id: int, today: datetime.date | None = None) -> Batch:
    """Write the days the export owes, oldest first, for BUCKET_EXPORT_BATCH_SECONDS (at least one day); the
    caller queues the continuation when days are left (``continue_later``). A failed day stops the run
    (``StorageUnavailable``, retried by the task) so no later day is written before it. Safe to run twice (a
    written day is not written again)."""
    export = BucketExport.objects.filter(pk=export_id).first()
    if export is None or not export.enabled:  # deleted or switched off since the run was queued
        return Batch(0, 0)
    due = days_due(export, today)
    with transaction.atomic():  # the table shows what is owed before the first file is written
        BucketExportDay.objects.bulk_create(
            [BucketExportDay(export=export, day=day) for day in due], ignore_conflicts=True
        )
    target = Target.of(export)
    started, written = time.monotonic(), 0
    for day in due:
        write_day(export, day, target)
        written += 1
        if time.monotonic() - started >= settings.BUCKET_EXPORT_BATCH_SECONDS:
            break
    return Batch(written, len(due) - written)


def continue_later(export_id: int) -> None:
    """Queue the export's next batch (through the outbox: it is sent once this commits). Called once the run
    has let its claim go, so the continuation, started at once by another worker, is not skipped as a
    second run of the same export."""
    from .tasks import export_to_bucket  # the tasks call this module

    with transaction.atomic():
        outbox.enqueue(export_to_bucket, export_id)
