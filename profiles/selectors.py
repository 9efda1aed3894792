from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from finance.models import MonthlyConsumption
from portal.money import ZERO

from .models import PartnerSpecialization, PayoutDetails


@dataclass
class SpecializationProgress:
    name: str
    status: str
    status_label: str
    counted: Decimal
    threshold: Decimal
    currency: str

    @property
    def percent(self) -> int:
        return min(100, int(self.counted * 100 / self.threshold)) if self.threshold else 100


def specialization_progress(*, membership) -> list[SpecializationProgress]:
    """Each specialization with the paid consumption of the current year counted towards its threshold
    (all services, or only the specialization's services where it names them), from monthly aggregates read
    once: the year's cost per currency and service, summed here for each specialization (one query however
    many specializations)."""
    year_start = timezone.localdate().replace(month=1, day=1)
    partner = membership.partner_id  # the partner's progress: the whole partner's consumption counts
    rows = PartnerSpecialization.objects.for_partner(partner).select_related("specialization")
    costs = (
        MonthlyConsumption.objects.for_partner(partner)
        .filter(month__gte=year_start)
        .exclude(subaccount__is_partner_own=True)
        .order_by()
        .values_list("currency", "service_id")
        .annotate(total=Sum("cost"))
    )
    rows = list(rows)
    costs = list(costs) if rows else []
    progress = []
    for row in rows:
        spec = row.specialization
        services = {s.strip() for s in spec.service_ids.split(",")} if spec.service_ids else None
        total = sum(
            (
                t
                for currency, service, t in costs
                if currency == spec.currency and (services is None or service in services)
            ),
            ZERO,
        )
        progress.append(
            SpecializationProgress(
                spec.name, row.status, row.get_status_display(), total, spec.yearly_threshold, spec.currency
            )
        )
    return progress


def payout_details(*, membership) -> PayoutDetails | None:
    """Where the membership's partner's money is paid: None until the partner has set it."""
    return PayoutDetails.objects.filter(partner_id=membership.partner_id).first()
