import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils import timezone
from django_scopes import scopes_disabled

from finance import partitions


class Command(BaseCommand):
    help = (
        "The monthly partitions of daily consumption: --list them, --create-ahead N months (what the nightly "
        "beat does), or --detach-before YYYY-MM for retention (the months before it become archive tables "
        "the portal no longer reads; their monthly aggregates stay)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="the partitions, their months and rows")
        parser.add_argument("--create-ahead", type=int, metavar="N", help="this month's and the next N")
        parser.add_argument("--detach-before", metavar="YYYY-MM", help="detach every month before this one")

    @scopes_disabled()  # the provider's command: every partner's rows, on purpose
    def handle(self, *args, list=False, create_ahead=None, detach_before=None, **options):
        if not (list or create_ahead is not None or detach_before):
            raise CommandError("say --list, --create-ahead N or --detach-before YYYY-MM")
        if create_ahead is not None:
            made = partitions.ensure_ahead(create_ahead)
            self.stdout.write(f"Created {', '.join(made)}." if made else "Every partition was there already.")
        if detach_before:
            self._detach(detach_before)
        if list:
            self._list()

    def _detach(self, month: str) -> None:
        try:
            cutoff = datetime.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise CommandError("--detach-before must look like 2025-01") from None
        if cutoff > timezone.localdate().replace(day=1):
            raise CommandError("that would detach this month's consumption: retention is for past months")
        try:
            detached = partitions.detach_before(cutoff)
        except OperationalError as error:  # the lock did not come within DETACH_LOCK_TIMEOUT
            raise CommandError(f"could not detach, the table is busy (try again): {error}") from None
        for part in detached:
            self.stdout.write(
                f"Detached {part.month} ({part.name}, about {part.rows:,} rows): now the table "
                f"{partitions.archive_name(part.first)}; DROP TABLE it once it is no longer needed."
            )
        if not detached:
            self.stdout.write(f"No partition ends before {cutoff:%Y-%m}: nothing detached.")

    def _list(self) -> None:
        for part in partitions.partitions():
            last = part.end - datetime.timedelta(days=1) if part.end else None
            span = f"{part.first} … {last}" if part.first else "any other day"
            self.stdout.write(f"{part.month:8} {part.name:32} {span:25} about {part.rows:,} rows")
        for name in partitions.archives():
            self.stdout.write(f"detached {name}")
