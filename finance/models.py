import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.models import TenantModel, TenantQuerySet, choice_label
from portal.money import BILLING_PLACES, ZERO, BillingAmountField, Currency, MoneyField
from portal.paths import object_path
from portal.periods import add_months, quarter_start


class Program(models.TextChoices):
    PARTNER_BONUS = "partner_bonus", _("Partner bonus")
    DEAL_EXTRA = "deal_extra", _("Deal registration extra")
    PROJECT_REBATE = "project_rebate", _("Project rebate")
    SPECIALIZATION_REBATE = "specialization_rebate", _("Specialization rebate")
    REFERRAL = "referral", _("Referral commission")


# the programs paid as a discount on the customer's invoice, shown together as "bonus" (Bonuses by month)
BONUS_PROGRAMS = (Program.PARTNER_BONUS, Program.DEAL_EXTRA)


class Pool(models.TextChoices):
    """Where an accrual's money goes: the two withdrawable balances, or the month-end invoice discount."""

    REBATES = "rebates", _("Rebates (project and specialization)")
    REFERRAL = "referral", _("Referral commissions")
    BONUS = "bonus", _("Partner bonus (invoice discount)")


POOL_OF_PROGRAM = {
    Program.PARTNER_BONUS: Pool.BONUS,
    Program.DEAL_EXTRA: Pool.BONUS,
    Program.PROJECT_REBATE: Pool.REBATES,
    Program.SPECIALIZATION_REBATE: Pool.REBATES,
    Program.REFERRAL: Pool.REFERRAL,
}
WITHDRAWABLE_POOLS = (Pool.REBATES, Pool.REFERRAL)
# where each balance can go: rebates reduce the partner's invoice, referral commission becomes a grant
DESTINATIONS = {
    Pool.REBATES: ("invoice", "bank"),
    Pool.REFERRAL: ("grant", "bank"),
}


class Consumption(TenantModel):
    """One day of one SKU in one folder, imported from billing; never edited by partners."""

    account_field = "subaccount__account_id"
    # billing's column of a user label: this prefix, then the label's key
    LABEL_PREFIX = "label.user_labels."

    # no single-column indexes: (partner, date) and the unique (subaccount, date, …) lead with them
    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subaccount = models.ForeignKey(
        "subaccounts.Subaccount", on_delete=models.CASCADE, related_name="consumption", db_index=False
    )
    date = models.DateField()
    cloud_id = models.CharField(max_length=64)
    cloud_name = models.CharField(max_length=200)
    folder_id = models.CharField(max_length=64)
    folder_name = models.CharField(max_length=200)
    service_id = models.CharField(max_length=64)
    service_name = models.CharField(max_length=200)
    sku_id = models.CharField(max_length=64)
    sku_name = models.CharField(max_length=300)
    # billing's Resource level: one row per resource of the SKU's day; empty at the General level
    resource_id = models.CharField(max_length=128, db_default="")
    # the resource's user labels, key → value (billing's label.user_labels.<key> columns, the prefix dropped)
    labels = models.JSONField(db_default=models.Value({}, output_field=models.JSONField()))
    quantity = models.DecimalField(max_digits=28, decimal_places=10)
    unit = models.CharField(max_length=32)
    # as billing gives them: its precision, credits negative (paid consumption is cost + credit)
    cost = BillingAmountField(_("cost"))
    credit = BillingAmountField(_("credit"), help_text=_("all credits, negative (billing's sign)"))
    monetary_grant_credit = BillingAmountField(db_default=0)
    volume_incentive_credit = BillingAmountField(db_default=0)
    cud_credit = BillingAmountField(db_default=0)
    misc_credit = BillingAmountField(db_default=0)
    adjustment = BillingAmountField(
        _("adjustment"), db_default=0, help_text=_("billing's correction of the day, signed; 0 when none")
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)
    is_marketplace = models.BooleanField(
        default=False, help_text=_("an excluded service or SKU (see Exclusion): earns no program")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subaccount", "date", "folder_id", "sku_id", "resource_id"],
                name="uniq_consumption_day",
            ),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="consumption_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(
                    credit__lte=0,
                    monetary_grant_credit__lte=0,
                    volume_incentive_credit__lte=0,
                    cud_credit__lte=0,
                    misc_credit__lte=0,
                ),
                name="consumption_credits_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=-models.F("credit")), name="consumption_credit_within_cost"
            ),
        ]
        indexes = [models.Index(fields=["partner", "date"])]

    def __str__(self):
        return f"{self.subaccount_id} {self.date} {self.sku_name}"


class Exclusion(models.Model):
    """A service, or one SKU of it, whose consumption earns no program (marketplace products, StoreDoc,
    Interconnect). Admin-managed: applied to consumption as it is imported, and re-applied to the months
    concerned when the list changes."""

    class Kind(models.TextChoices):
        MARKETPLACE = "marketplace", _("Marketplace")
        STOREDOC = "storedoc", _("StoreDoc")
        INTERCONNECT = "interconnect", _("Interconnect")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    service_id = models.CharField(_("service id"), max_length=64)
    sku_id = models.CharField(
        _("SKU id"), max_length=64, blank=True, default="", help_text=_("empty: every SKU of the service")
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "service_id", "sku_id"]
        verbose_name = _("excluded service")
        constraints = [models.UniqueConstraint(fields=["service_id", "sku_id"], name="uniq_exclusion")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.service_id}{' / ' + self.sku_id if self.sku_id else ''}"


class MonthlyConsumption(TenantModel):
    """Month × subaccount × service aggregate, maintained by the import so pages never scan daily rows."""

    account_field = "subaccount__account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    subaccount = models.ForeignKey("subaccounts.Subaccount", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("First day of the month"))
    service_id = models.CharField(max_length=64)
    service_name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    cost = BillingAmountField()
    credit = BillingAmountField(help_text=_("negative, as billing gives it"))
    marketplace_cost = BillingAmountField(help_text=_("what excluded services cost after their credits"))
    paid = BillingAmountField(
        help_text=_("paid consumption: cost + credit of the services that are not excluded"), db_default=0
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subaccount", "month", "service_id", "currency"], name="uniq_monthly_consumption"
            )
        ]
        indexes = [models.Index(fields=["partner", "month"])]

    def __str__(self):
        return f"{self.subaccount_id} {self.month:%Y-%m} {self.service_name}"


class DailyAmounts(models.Model):
    """The amounts a daily aggregate keeps: billing's, summed, and the part that earns programs."""

    cost = BillingAmountField()
    credit = BillingAmountField(help_text=_("negative, as billing gives it"))
    adjustment = BillingAmountField()
    paid = BillingAmountField(help_text=_("cost + credit of the services that are not excluded"))

    class Meta:
        abstract = True


class SubaccountCell(DailyAmounts, TenantModel):
    """An aggregate's row of one subaccount: its partner (denormalised, for the partner's indexes), the
    subaccount and the currency; a concrete aggregate adds its period and its other keys."""

    account_field = "subaccount__account_id"

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subaccount = models.ForeignKey(
        "subaccounts.Subaccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)

    class Meta:
        abstract = True


class SubaccountDay(SubaccountCell):
    """A daily aggregate's row of one subaccount."""

    date = models.DateField()

    class Meta:
        abstract = True


class FolderKeys(models.Model):
    """The cloud and folder of an aggregate's row, as billing names them."""

    cloud_id = models.CharField(max_length=64)
    cloud_name = models.CharField(max_length=200)
    folder_id = models.CharField(max_length=64)
    folder_name = models.CharField(max_length=200)

    class Meta:
        abstract = True


class DailyUsage(SubaccountDay, FolderKeys):
    """Subaccount × day × folder × currency: the daily rows with their SKUs summed, kept by the import
    (``finance.aggregates.daily_usage_rebuild``) for Subaccount details — its subaccount, cloud and folder
    views, its totals (each subaccount's month) and its chart. Only what the import decides is stored: the
    amounts and ``paid`` (the part that is not an excluded service); the reward is worked out when read,
    from the day's rates, the subaccount's deal, whether it is the partner's own and whether its customer
    was referred, all of which change after the import."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subaccount", "date", "folder_id", "currency"], name="uniq_daily_usage"
            )
        ]
        indexes = [models.Index(fields=["partner", "date"])]

    def __str__(self):
        return f"{self.subaccount_id} {self.date} {self.folder_id}"


class MonthlyUsage(SubaccountCell, FolderKeys):
    """Subaccount × month × cloud × folder × currency: ``DailyUsage`` summed by month, rebuilt with it by the
    import (``finance.aggregates.daily_usage_rebuild``) for Subaccount details' whole-partner subaccount,
    cloud and folder views by month — a month of the largest partner is ~10,000 rows here against ~300,000
    daily ones. Read for the months whose days with data are all in the period and whose rates are one rate
    throughout: the reward is then ``paid`` at that rate, nothing for the partner's own and referred
    customers' subaccounts, the extra besides in an ordinary deal's month (a procurement deal's month is read
    from the daily rows: its extra only on the contract's days); names are the month's greatest, as the page
    groups them."""

    month = models.DateField(help_text=_("First day of the month"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subaccount", "month", "cloud_id", "folder_id", "currency"], name="uniq_monthly_usage"
            )
        ]
        indexes = [
            models.Index(fields=["partner", "month"]),
            # the subaccounts that hold a page's clouds (selectors.HELD): a lookup per cloud, not a pass over
            # the month's rows for each (an estimate of one page row made that a nested loop: 87 ms)
            models.Index(fields=["partner", "cloud_id", "month"], name="monthly_usage_cloud"),
        ]

    def __str__(self):
        return f"{self.subaccount_id} {self.month:%Y-%m} {self.folder_id}"


class DailyLabelUsage(SubaccountDay):
    """Subaccount × day × label (its key) × value × currency: the daily rows with a user label summed by
    its value, kept by the import beside ``DailyUsage`` for Subaccount details' view by label. A row adds to
    one cell per label it has; what has no value of a key is ``DailyUsage`` less that key's cells (worked out
    when read), so nothing is stored for the labels a row lacks."""

    label = models.CharField(max_length=63, help_text=_("the label's key"))
    value = models.CharField(max_length=63)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subaccount", "date", "label", "value", "currency"], name="uniq_daily_label_usage"
            )
        ]
        # a key's days of a partner; and the partner's keys, each found by one step of the index
        indexes = [models.Index(fields=["partner", "label", "date"])]

    def __str__(self):
        return f"{self.subaccount_id} {self.date} {self.label}={self.value}"


class DailySkuUsage(DailyAmounts, TenantModel):
    """Partner × day × SKU × currency: the daily rows of all of a partner's subaccounts summed (from its
    customers' SKUs per day, ``CustomerSkuDay``), kept by the import beside ``DailyUsage`` for Subaccount
    details' service and SKU views of the whole partner. The
    reward is worked out when read: ``paid`` at the day's base rate, corrected by the daily rows of the few
    subaccounts that earn otherwise (a deal, the partner's own, a referred customer)."""

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    service_id = models.CharField(max_length=64)
    service_name = models.CharField(max_length=200)
    sku_id = models.CharField(max_length=64)
    sku_name = models.CharField(max_length=300)
    deal_paid = BillingAmountField(
        help_text=_("the part of paid on a deal's days of subaccounts earning its extra (see DealUsage)"),
        db_default=0,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "date", "service_id", "sku_id", "currency"], name="uniq_daily_sku_usage"
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.date} {self.sku_id}"


class UsageFolder(TenantModel):
    """Subaccount × folder, with its cloud: the clouds and folders of the partner's daily rows, kept with
    ``DailyUsage`` by ``finance.aggregates.daily_usage_rebuild`` for Subaccount details' Cloud and Folder
    pickers. A few rows per subaccount (tens of thousands for the largest partner), where ``DailyUsage`` has
    one per folder and day: the pickers search it as you type, and the page narrows the daily rows of a cloud
    or folder to its subaccounts through it. Names are those of the last day with data (``last_date``); the
    rows of a subaccount's cloud share its latest name."""

    account_field = "subaccount__account_id"

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subaccount = models.ForeignKey(
        "subaccounts.Subaccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    cloud_id = models.CharField(max_length=64)
    cloud_name = models.CharField(max_length=200)
    folder_id = models.CharField(max_length=64)
    folder_name = models.CharField(max_length=200)
    last_date = models.DateField(help_text=_("the last day with data of the folder"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subaccount", "folder_id"], name="uniq_usage_folder")]
        indexes = [
            # the pickers' pages, by name (selectors.usage_places); a cloud's folders and subaccounts
            models.Index(
                fields=["partner", "cloud_name", "cloud_id", "-last_date"], name="usage_folder_cloud_name"
            ),
            models.Index(
                fields=["partner", "folder_name", "folder_id", "-last_date"], name="usage_folder_folder_name"
            ),
            models.Index(fields=["partner", "cloud_id"], name="usage_folder_cloud"),
            # a folder's subaccounts (Subaccount details' ranked folder pages: selectors.HELD)
            models.Index(fields=["partner", "folder_id"], name="usage_folder_folder"),
        ]

    def __str__(self):
        return f"{self.cloud_name} / {self.folder_name}"


class DealUsage(TenantModel):
    """Partner × month: which deals ``DailySkuUsage.deal_paid`` of that month stands for — a digest of the
    month's deal subaccounts that earn the extra (each with its registration, procurement and contract
    days) as they were when ``finance.deal_usage.deal_usage_rebuild`` filled it. Subaccount details uses
    ``deal_paid`` only for a month with a row: a change of its deals (a deal approved, a subaccount marked the
    partner's own or a customer referred since) deletes the row in its transaction (triggers on the sources,
    finance migration 0032), and the month's deal subaccounts are read day by day until the next import."""

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("First day of the month"))
    deals = models.CharField(max_length=32, help_text=_("md5 of the month's earning deal subaccounts"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="uniq_deal_usage")]

    def __str__(self):
        return f"{self.partner_id} {self.month:%Y-%m}"


class UsageRewardMonth(TenantModel):
    """Partner × month: what ``UsageRewardDay`` of that month stands for — a digest of the month's day rates
    (base and extra, per currency), its deal subaccounts that earn the extra and the partner's subaccounts
    that earn nothing (its own, referred customers'), as they were when ``finance.usage_rewards`` filled it.
    Subaccount details reads the month's rewards from ``UsageRewardDay`` only while the row exists: a change
    of any of those deletes the months it may touch in its transaction (triggers on the sources, finance
    migration 0032)."""

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="uniq_usage_reward_month")]

    def __str__(self):
        return f"{self.partner_id} {self.month:%Y-%m}"


class UsageRewardDay(TenantModel):
    """Partner × day × currency of the days with consumption: the sum over the partner's subaccounts of each
    one's reward of its month up to and including the day (``upto``) and from the day on (``onward``), each
    subaccount's part rounded once, as Subaccount details' totals round a subaccount's month — so a whole
    month, or the period's first or last month, is one row, whatever the number of subaccounts. Kept by the
    import (``finance.usage_rewards``), valid while its month's ``UsageRewardMonth`` row exists."""

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    upto = MoneyField()
    onward = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "date", "currency"], name="uniq_usage_reward_day")
        ]

    def __str__(self):
        return f"{self.partner_id} {self.date} {self.currency}"


class UsageVersion(models.Model):
    """Partner: a token of its consumption aggregates as they now are (``DailyUsage``, ``MonthlyUsage``), new
    at each change of them, in the change's transaction — each rebuild (``finance.aggregates``) and each
    detached month (``finance.partitions``). Subaccount details keeps a view's ranking of a period (which of
    its thousands of folders, clouds or subaccounts come first in each bucket) in the cache under it and
    ``SubaccountsVersion``, both read in the statement that reads the page's months: a page never takes a
    ranking of other figures (``finance.selectors.UsageDetails``)."""

    partner = models.OneToOneField(
        "profiles.Partner", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.UUIDField()

    def __str__(self):
        return f"{self.partner_id} {self.version}"


class SubaccountsVersion(models.Model):
    """Partner (its id): a token of its subaccounts as a ranking of Subaccount details reads them (names,
    billing account ids, customers, which there are), new at each subaccount renamed, given another billing
    account id, customer or partner, or deleted — by trigger, in the change's transaction (finance migrations
    0044, 0048). A row apart from ``UsageVersion``, which an import holds to its commit: a rename never
    waits for an import. No foreign key: the trigger writes it while a partner's subaccounts are deleted
    with the partner."""

    partner_id = models.BigIntegerField(primary_key=True)
    version = models.UUIDField()

    def __str__(self):
        return f"{self.partner_id} {self.version}"


class CustomerDay(TenantModel):
    """A customer's (account's) row of a day of the import's customer aggregates, in one currency."""

    account_field = "account_id"

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    currency = models.CharField(max_length=3, choices=Currency.choices)

    class Meta:
        abstract = True


class CustomerUsageDay(CustomerDay):
    """Partner × customer (account) × day × currency, every day of a month from the customer's first with
    consumption in it: its month's cost, credit, adjustment and reward (unrounded, each day at its rates, as
    the detailed report's rows earn) up to and including the day, and how many daily aggregate rows made them
    — so Commission statistics reads a customer's part of a month, whole or cut by the period, as one row (or
    the difference of two), whatever the number of its subaccounts, folders and days, and Subaccount details
    the totals (its rewards rounded per subaccount and month: ``reward_upto``, ``reward_onward``) and chart of
    a member restricted to some customers a row per customer and day. Kept by the
    import with the reward rollup (``finance.usage_rewards``) and valid like it: while its month's
    ``UsageRewardMonth`` row exists (a change of the rates, the deals, own use, referred customers or a
    subaccount's customer deletes it in its transaction)."""

    cost = BillingAmountField()
    credit = BillingAmountField(help_text=_("negative, as billing gives it"))
    adjustment = BillingAmountField()
    # billing's places times a rate's four: the exact product, summed
    reward = models.DecimalField(max_digits=34, decimal_places=BILLING_PLACES + 4, default=ZERO)
    rows = models.BigIntegerField(default=0)  # daily aggregate rows up to the day: whether the period has any
    # the sum of its subaccounts' rewards of the month up to and including the day, and from the day on, each
    # subaccount's rounded once (as UsageRewardDay's upto and onward for the partner)
    reward_upto = MoneyField(default=ZERO)
    reward_onward = MoneyField(default=ZERO)

    class Meta:
        constraints = [
            # the sums in the index too: Commission statistics reads a day's row of every customer from the
            # index alone (an index-only scan: 3 ms less over 92 days of the largest partner)
            models.UniqueConstraint(
                fields=["partner", "date", "account", "currency"],
                include=["cost", "credit", "adjustment", "reward", "rows", "reward_upto", "reward_onward"],
                name="uniq_customer_usage_day",
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.account_id} {self.date} {self.currency}"


class CustomerSkuDay(DailyAmounts, CustomerDay):
    """Partner × customer (account) × day × SKU × currency: the daily rows of a customer's subaccounts summed,
    so Subaccount details' service and SKU views of a member restricted to some customers read a row per
    customer, day and SKU instead of each subaccount's rows (the whole partner's read ``DailySkuUsage``).
    The reward is worked out when read: ``paid`` at the day's base rate and ``deal_paid`` at its extra rate,
    corrected by the daily rows of the few subaccounts that earn nothing (the partner's own, referred
    customers'). Built by the import with the daily aggregates (``finance.aggregates``), its ``deal_paid``
    with the reward rollup (``finance.usage_rewards``), and valid like ``CustomerUsageDay``: while its month's
    ``UsageRewardMonth`` row exists (a subaccount moved to another customer deletes it in its transaction)."""

    service_id = models.CharField(max_length=64)
    service_name = models.CharField(max_length=200)
    sku_id = models.CharField(max_length=64)
    sku_name = models.CharField(max_length=300)
    deal_paid = BillingAmountField(
        help_text=_("the part of paid on a deal's days of subaccounts earning its extra"), db_default=0
    )

    class Meta:
        constraints = [
            # a member's customers' days, each customer's read through the index
            models.UniqueConstraint(
                fields=["account", "date", "service_id", "sku_id", "currency"], name="uniq_customer_sku_day"
            )
        ]
        indexes = [models.Index(fields=["partner", "date"])]  # (a month's rebuild and a partition's detach)

    def __str__(self):
        return f"{self.account_id} {self.date} {self.sku_id}"


class PartnerUsageDay(TenantModel):
    """Partner × day × currency: ``CustomerUsageDay`` summed over the partner's customers — the month's cost,
    credit and reward up to and including the day, and its rows — so Commission statistics reads a month of
    the whole partner, whole or cut by the period, as one row (or the difference of two) instead of summing
    every customer's. Kept by the import with the customers' rows, from them, and valid like them."""

    partner = models.ForeignKey(
        "profiles.Partner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    cost = BillingAmountField()
    credit = BillingAmountField(help_text=_("negative, as billing gives it"))
    reward = models.DecimalField(max_digits=34, decimal_places=BILLING_PLACES + 4, default=ZERO)
    rows = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "date", "currency"],
                include=["cost", "credit", "reward", "rows"],
                name="uniq_partner_usage_day",
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.date} {self.currency}"


class CustomerMonth(TenantModel):
    """Customer × month × currency: what its resold subaccounts paid (from the monthly aggregates) and the
    partner bonus and deal extra accrued for them — kept by the import and the accrual
    (``finance.aggregates``), so Bonuses by month reads one small row per customer and month."""

    account_field = "account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("First day of the month"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    paid = BillingAmountField(db_default=0)
    partner_bonus = MoneyField(_("partner bonus"), db_default=0)
    deal_extra = MoneyField(_("deal extra"), db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month", "currency"], name="uniq_customer_month")
        ]
        indexes = [models.Index(fields=["partner", "month"])]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m} {self.currency}"


class PartnerMonth(TenantModel):
    """Partner × month × currency: the sums of its customer months and how many there are — kept by a
    trigger on ``CustomerMonth`` in the transaction of every change to it (migration 0029; no other
    writer: the database refuses one), so Bonuses by month's totals and chart read one row a month."""

    # its rows go with the partner's customer months (the trigger), never by a delete of their own
    partner = models.ForeignKey("profiles.Partner", on_delete=models.DO_NOTHING, related_name="+")
    month = models.DateField(help_text=_("First day of the month"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    paid = BillingAmountField(db_default=0)
    partner_bonus = MoneyField(_("partner bonus"), db_default=0)
    deal_extra = MoneyField(_("deal extra"), db_default=0)
    customers = models.IntegerField(db_default=0)  # (no CHECK: one runs before ON CONFLICT, on the delta)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "month", "currency"], name="uniq_partner_month")
        ]

    def __str__(self):
        return f"{self.partner_id} {self.month:%Y-%m} {self.currency}"


class RebateTermQuerySet(models.QuerySet):
    def in_force(self, program: str, day: datetime.date):
        """The general term of ``program`` valid on ``day`` (the latest that started by then), or None."""
        return (
            self.filter(program=program, condition="", valid_from__lte=day)
            .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day))
            .order_by("-valid_from")
            .first()
        )


class RebateTerm(models.Model):
    """An admin-managed term of a program: rate, cap, threshold and validity."""

    program = models.CharField(max_length=32, choices=Program.choices)
    condition = models.CharField(max_length=200, blank=True, help_text=_("e.g. a specialization code"))
    rate = models.DecimalField(max_digits=7, decimal_places=4, help_text=_("0.1000 is 10%"))
    cap = MoneyField(null=True, blank=True, default=None, help_text=_("per customer per month"))
    threshold = MoneyField(null=True, blank=True, default=None, help_text=_("minimum monthly consumption"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.RUB)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    objects = RebateTermQuerySet.as_manager()

    class Meta:
        ordering = ["program", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lte=1), name="rebate_rate_0_1"),
        ]

    def __str__(self):
        return f"{choice_label(Program, self.program)} {self.rate:%} from {self.valid_from}"


class CorrectionReason(models.TextChoices):
    DATA = "data", _("Billing's data for the month changed")
    EXCLUSIONS = "exclusions", _("The list of excluded services changed")
    INVOICES = "invoices", _("The customer's invoices or payments changed")


class AccrualQuerySet(TenantQuerySet):
    def with_corrections(self):
        """Originals only, each with ``basis_now`` and ``amount_now``: itself plus its corrections."""
        corrections = (
            Accrual.objects.filter(corrects=models.OuterRef("pk"))
            .order_by()
            .values("corrects")
            .annotate(basis=models.Sum("basis"), amount=models.Sum("amount"))
        )
        money = MoneyField()
        return self.filter(corrects__isnull=True).annotate(
            # "has corrections" from the same per-row lookup as the sums (an EXISTS would be planned as a hash
            # of every correction's key in the table, before a page's LIMIT)
            corrected=IsNull(models.Subquery(corrections.values("corrects")), False),
            basis_now=models.F("basis")
            + Coalesce(models.Subquery(corrections.values("basis")), ZERO, output_field=money),
            amount_now=models.F("amount")
            + Coalesce(models.Subquery(corrections.values("amount")), ZERO, output_field=money),
        )


class Accrual(TenantModel):
    """An amount a program earned for a period; unique on its natural key (its currency included: a partner
    with rouble and tenge customers earns both) so a rerun adds nothing."""

    account_field = "subaccount__account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="accruals")
    subaccount = models.ForeignKey(
        "subaccounts.Subaccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accruals",
        db_index=False,  # accrual_subaccount_idx leads with it
    )
    period = models.DateField(help_text=_("First day of the month accrued"))
    program = models.CharField(max_length=32, choices=Program.choices)
    source = models.CharField(max_length=64, default="", blank=True, help_text=_("e.g. registration:42"))
    term = models.ForeignKey(RebateTerm, null=True, blank=True, on_delete=models.PROTECT)
    basis = MoneyField(_("basis"))
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    amount = MoneyField(_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # a correction: what a re-run found changed since (its basis and amount are the differences), never an
    # edit of the original — the accrual's figure is the sum of the original and its corrections
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(
        _("why"), max_length=16, choices=CorrectionReason.choices, blank=True, db_default=""
    )

    objects = AccrualQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "program", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "subaccount", "period", "program", "source", "currency"],
                condition=models.Q(corrects__isnull=True),
                nulls_distinct=False,
                name="uniq_accrual_natural_key",
            )
        ]
        indexes = [
            models.Index(fields=["partner", "program", "period"]),
            # the accruals page: a partner's originals in the page's order, read a page at a time
            models.Index(
                fields=["partner", "-period", "program", "id"],
                condition=models.Q(corrects__isnull=True),
                name="accrual_list_idx",
            ),
            # a subaccount's accruals of a month and program (Partner bonus's rows), or all of them
            models.Index(fields=["subaccount", "period", "program"], name="accrual_subaccount_idx"),
        ]

    def __str__(self):
        return f"{choice_label(Program, self.program)} {self.period:%Y-%m} {self.amount} {self.currency}"

    def get_absolute_url(self):
        return object_path("finance:accrual_detail", self.pk)

    @property
    def basis_explained(self) -> str:
        """Which consumption the basis is, in words, so an amount can be traced to its months."""
        month = date_format(self.period, "F Y")
        if self.program == Program.SPECIALIZATION_REBATE:
            quarter = quarter_start(self.period)
            previous = add_months(quarter, -3)
            code = self.source.split(":")[1] if self.source.count(":") >= 2 else self.source
            return _(
                "Paid consumption of your customers in %(first)s – %(last)s minus %(prev_first)s – "
                "%(prev_last)s (specialization %(code)s)"
            ) % {
                "first": date_format(quarter, "F Y"),
                "last": month,
                "prev_first": date_format(previous, "F Y"),
                "prev_last": date_format(add_months(previous, 2), "F Y"),
                "code": code,
            }
        if self.program == Program.PROJECT_REBATE:
            return _("Consumption of the registered project's cloud or folder in %(month)s") % {
                "month": month
            }
        if self.program == Program.REFERRAL:
            return _(
                "The referred customer's invoices for %(month)s including VAT, all its subaccounts, "
                "paid in full"
            ) % {"month": month}
        return _("Paid consumption of the subaccount in %(month)s (credits and marketplace excluded)") % {
            "month": month
        }


class Withdrawal(TenantModel):
    class Destination(models.TextChoices):
        INVOICE = "invoice", _("Deduction from this month's invoice")
        BANK = "bank", _("Payout to the bank account of the partner agreement")
        GRANT = "grant", _("Grant on your own billing account")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    partner = models.ForeignKey("profiles.Partner", on_delete=models.PROTECT, related_name="withdrawals")
    pool = models.CharField(_("balance"), max_length=16, choices=Pool.choices)
    amount = MoneyField(_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    destination = models.CharField(_("destination"), max_length=16, choices=Destination.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    payout_details_snapshot = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # the confirmation it answers: one confirmation, one withdrawal, however often it is submitted
    request_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="withdrawal_positive"),
            models.UniqueConstraint(fields=["partner", "request_key"], name="uniq_withdrawal_request"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} ({self.get_status_display()})"


class LedgerEntry(TenantModel):
    """Append-only: a balance is the sum of these rows; UPDATE and DELETE are refused by a trigger."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        CORRECTION = "correction", _("Correction of an accrual")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        REVERSAL = "reversal", _("Reversal")

    partner = models.ForeignKey("profiles.Partner", on_delete=models.PROTECT, related_name="ledger_entries")
    pool = models.CharField(max_length=16, choices=Pool.choices)
    program = models.CharField(max_length=32, choices=Program.choices, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = MoneyField(_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    accrual = models.OneToOneField(Accrual, null=True, blank=True, on_delete=models.PROTECT)
    withdrawal = models.ForeignKey(Withdrawal, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["partner", "pool", "currency"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class LedgerBalance(TenantModel):
    """Partner × pool × currency: the sum of its ledger entries, kept by a trigger on the ledger in the
    transaction of every insert (migration 0029; the ledger takes no other change, and no other writer of
    this table: the database refuses one), so a balance is one row however long the ledger grows. A row
    exists once the balance has an entry."""

    partner = models.ForeignKey("profiles.Partner", on_delete=models.PROTECT, related_name="+")
    pool = models.CharField(max_length=16, choices=Pool.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = MoneyField(_("amount"), db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "pool", "currency"], name="uniq_ledger_balance")
        ]

    def __str__(self):
        return f"{self.partner_id} {self.pool} {self.amount} {self.currency}"


class ReportQuerySet(TenantQuerySet):
    def restrict(self, membership):
        """A report is a snapshot of the accounts it was made for: a member restricted to some accounts sees
        only the reports they made themselves within exactly the accounts they may still see."""
        qs = super().restrict(membership)
        if membership.restricted:
            qs = qs.filter(created_by_id=membership.user_id, params__accounts=membership.allowed_account_ids)
        return qs


class Report(TenantModel):
    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Monthly statement (PDF)")
        COMMISSION = "commission", _("Commission report (CSV)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("report"), max_length=32, choices=Kind.choices)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def subject(self) -> str:
        """What the report covers, in words: a month, or a period of days."""
        if "month" in self.params:
            return self.params["month"][:7]
        if "start" in self.params:
            return f"{self.params['start']} – {self.params['finish']}"
        return ""


class CustomerInvoice(TenantModel):
    """Billing's invoice of a subaccount for a month and what the customer has paid of it. A referred
    customer's commission for a month is accrued only once every invoice of that month is paid in full."""

    account_field = "subaccount__account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    subaccount = models.ForeignKey(
        "subaccounts.Subaccount", on_delete=models.CASCADE, related_name="invoices", db_index=False
    )
    number = models.CharField(_("invoice number"), max_length=64, unique=True)
    month = models.DateField(_("month"), help_text=_("First day of the month invoiced"))
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = MoneyField(_("amount"), help_text=_("the month's cloud consumption including VAT"))
    paid_amount = MoneyField(_("paid"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, paid_amount__gte=0), name="invoice_amounts_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["subaccount", "month"])]

    def __str__(self):
        return self.number

    @property
    def is_paid(self) -> bool:
        return self.paid_amount >= self.amount


class ConsumptionImport(models.Model):
    """A billing file uploaded by a portal administrator and loaded by a Celery task (progress shown):
    daily consumption, invoices with their payments, or customers who signed up with a referral code."""

    class Kind(models.TextChoices):
        CONSUMPTION = "consumption", _("Daily consumption")
        INVOICES = "invoices", _("Invoices and payments")
        REFERRAL_SIGNUPS = "referral_signups", _("Sign-ups with a referral code")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected: nothing imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("file"), max_length=24, choices=Kind.choices, default=Kind.CONSUMPTION)
    file = models.FileField(_("CSV file"), upload_to="imports/%Y/%m/")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    lines_checked = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    skipped = models.JSONField(
        default=list, blank=True, help_text=_("valid lines not attributed, with the reason")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("billing import")

    def __str__(self):
        return f"{self.file.name} ({self.get_status_display()})"


class BucketExport(TenantModel):
    """A partner's regular export of the detailed commission report to their S3-compatible bucket: each
    finished day as ``{prefix}{YYYY-MM-DD}.csv`` (finance/bucket_export.py). One per partner."""

    class Detail(models.TextChoices):
        GENERAL = "general", _("General")
        RESOURCE = "resource", _("Resource (adds resource_id)")

    class Language(models.TextChoices):
        EN = "en", _("English")
        RU = "ru", _("Russian")

    partner = models.OneToOneField("profiles.Partner", on_delete=models.CASCADE, related_name="bucket_export")
    endpoint_url = models.URLField(_("endpoint"), help_text=_("The storage's S3 address, https://…"))
    region = models.CharField(_("region"), max_length=64, blank=True, help_text=_("Only if the storage asks"))
    bucket = models.CharField(_("bucket"), max_length=63)
    prefix = models.CharField(_("path prefix"), max_length=500, help_text=_("Ends with /, e.g. billing/"))
    access_key_id = models.CharField(_("access key id"), max_length=128)
    # the secret key, encrypted (portal/encryption.py); never shown again
    secret_sealed = models.TextField()
    detail = models.CharField(
        _("detail level"), max_length=16, choices=Detail.choices, default=Detail.GENERAL
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    start_date = models.DateField(
        _("back-fill from"), null=True, blank=True, help_text=_("Empty: from the day before it was set up")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prefix__endswith="/"), name="bucket_export_prefix_slash"
            )
        ]

    def __str__(self):
        return f"{self.bucket}/{self.prefix}"


class BucketExportDay(TenantModel):
    """One day of a bucket export: written (with the object's size and rows), failed (with the reason in
    plain words), pending, or changed (billing's data of a day written has changed since: the object holds
    the old figures until the next run writes it again). A day is written once per change of its data; a
    failed one is tried again before any later day."""

    partner_field = "export__partner"

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        WRITTEN = "written", _("Written")
        FAILED = "failed", _("Failed")
        CHANGED = "changed", _("Changed since written — will be written again")

    export = models.ForeignKey(BucketExport, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    key = models.CharField(_("object"), max_length=600, blank=True)
    size = models.PositiveBigIntegerField(_("size, bytes"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["export", "day"], name="bucket_export_day_once")]

    def __str__(self):
        return f"{self.day} {self.status}"
