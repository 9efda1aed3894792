from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from finance.importer import ImportRejected, load


class Command(BaseCommand):
    help = "Import billing consumption from a CSV file: validated whole, then the file's period is replaced."

    def add_arguments(self, parser):
        parser.add_argument("file")

    @scopes_disabled()  # the provider's command: every partner's rows, on purpose
    def handle(self, *args, file, **options):
        try:
            checked = load(file, progress=lambda n: self.stderr.write(f"  checked {n:,} lines"))
        except ImportRejected as rejected:
            for error in rejected.checked.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{rejected.checked.error_count} bad line(s); nothing was imported.") from None
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        period = f"{checked.first_day} to {checked.last_day}" if checked.rows else "nothing"
        self.stdout.write(self.style.SUCCESS(f"Imported {checked.rows:,} rows ({period})."))
