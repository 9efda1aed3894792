import datetime

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from finance.accruals import accrue_month
from profiles.models import Partner


class Command(BaseCommand):
    help = "Accrue every program for a month (YYYY-MM), for one partner (--partner ID) or all. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("month")
        parser.add_argument("--partner", type=int)

    @scopes_disabled()  # the provider's command: every partner's rows, on purpose
    def handle(self, *args, month, partner=None, **options):
        try:
            first = datetime.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise CommandError("month must look like 2026-10") from None
        partners = Partner.objects.filter(pk=partner) if partner else Partner.objects.all()
        if partner and not partners.exists():
            raise CommandError(f"no partner {partner}")
        for p in partners:
            added = accrue_month(partner_id=p.pk, month=first)
            self.stdout.write(f"{p.name}: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
