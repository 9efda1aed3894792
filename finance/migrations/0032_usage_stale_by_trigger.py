from django.db import migrations

# Subaccount details' rollups (``UsageRewardMonth``: a month of the reward rollup; ``DealUsage``: a month of
# the partner aggregate's deal part) stand for a month of a partner only while what they were built from
# besides the consumption is unchanged: the day rates, the deals, the partner's own use, referred customers,
# the days to create a deal's subaccount. The page checked that by working the months' digests out again on
# every view; now the months a change may touch are taken off in the transaction of the change, by triggers
# on those sources (whoever writes them: the workflow, admin, a service, the import, a shell), so a page reads
# a month's rollup while its row exists. The import rebuilds the rows of the months it loads.
#
# A change and a rebuild of the same partner never overlap (transaction-level advisory locks: a change takes
# its partner's shared, a change of every partner the global exclusive; a rebuild the global shared and its
# partner's exclusive, before it reads the sources), so a rebuild either sees a change or is followed by it.
# Keys: finance.aggregates.LOCK_PARTNER / LOCK_ALL.

STALE = """
CREATE FUNCTION finance_usage_stale(p_partner bigint, p_since date, p_deals boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_since IS NULL THEN
        RETURN;
    END IF;
    IF p_partner IS NULL THEN
        PERFORM pg_advisory_xact_lock(1303, 0);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(1302, p_partner::int);
    END IF;
    DELETE FROM finance_usagerewardmonth
    WHERE (p_partner IS NULL OR partner_id = p_partner) AND month >= date_trunc('month', p_since);
    IF p_deals THEN
        DELETE FROM finance_dealusage
        WHERE (p_partner IS NULL OR partner_id = p_partner) AND month >= date_trunc('month', p_since);
    END IF;
END;
$$;

-- a deal registration counts in the months from that of its decision (deals_sql), when it earns
CREATE FUNCTION finance_usage_stale_registration() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.kind = 'deal' AND OLD.status IN ('approved', 'expired') THEN
        -- a day before: the decision's month is decided in the provider's time zone
        PERFORM finance_usage_stale(OLD.partner_id, (OLD.decided_at - interval '1 day')::date, true);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.kind = 'deal' AND NEW.status IN ('approved', 'expired') THEN
        PERFORM finance_usage_stale(NEW.partner_id, (NEW.decided_at - interval '1 day')::date, true);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_usage_stale AFTER INSERT OR DELETE ON tools_registration
    FOR EACH ROW EXECUTE FUNCTION finance_usage_stale_registration();
CREATE TRIGGER finance_usage_stale_update AFTER UPDATE ON tools_registration
    FOR EACH ROW WHEN (
        (OLD.partner_id, OLD.account_id, OLD.kind, OLD.status, OLD.decided_at, OLD.procurement,
         OLD.contract_start, OLD.contract_end)
        IS DISTINCT FROM
        (NEW.partner_id, NEW.account_id, NEW.kind, NEW.status, NEW.decided_at, NEW.procurement,
         NEW.contract_start, NEW.contract_end)
    ) EXECUTE FUNCTION finance_usage_stale_registration();

-- a subaccount: the deals of its customer (which subaccounts earn them, whether one was created in time),
-- and, the partner's own or a referred customer's, whether its consumption earns at all
CREATE FUNCTION finance_usage_stale_subaccount_row(s subaccounts_subaccount) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finance_usage_stale(r.partner_id, min((r.decided_at - interval '1 day')::date), true)
    FROM tools_registration r
    WHERE r.account_id = s.account_id AND r.kind = 'deal' AND r.status IN ('approved', 'expired')
    GROUP BY r.partner_id;
    IF s.is_partner_own OR EXISTS (SELECT 1 FROM finance_referredcustomer rc WHERE rc.account_id = s.account_id)
    THEN
        PERFORM finance_usage_stale(s.partner_id, '-infinity'::date, true);
    END IF;
END;
$$;
CREATE FUNCTION finance_usage_stale_subaccount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM finance_usage_stale_subaccount_row(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM finance_usage_stale_subaccount_row(NEW);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_usage_stale AFTER INSERT OR DELETE ON subaccounts_subaccount
    FOR EACH ROW EXECUTE FUNCTION finance_usage_stale_subaccount();
CREATE TRIGGER finance_usage_stale_update AFTER UPDATE ON subaccounts_subaccount
    FOR EACH ROW WHEN (
        (OLD.partner_id, OLD.account_id, OLD.is_partner_own, OLD.created_at)
        IS DISTINCT FROM (NEW.partner_id, NEW.account_id, NEW.is_partner_own, NEW.created_at)
    ) EXECUTE FUNCTION finance_usage_stale_subaccount();

-- a referred customer earns nothing: every month of the partners of its subaccounts
CREATE FUNCTION finance_usage_stale_referred() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finance_usage_stale(s.partner_id, '-infinity'::date, true)
    FROM (SELECT DISTINCT partner_id FROM subaccounts_subaccount
          WHERE account_id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.account_id END,
                               CASE WHEN TG_OP <> 'DELETE' THEN NEW.account_id END)) s;
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_usage_stale AFTER INSERT OR DELETE ON finance_referredcustomer
    FOR EACH ROW EXECUTE FUNCTION finance_usage_stale_referred();
CREATE TRIGGER finance_usage_stale_update AFTER UPDATE ON finance_referredcustomer
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION finance_usage_stale_referred();

-- a term of the base bonus or the deal extra: the rates of its days, from its first, of every partner
CREATE FUNCTION finance_usage_stale_term() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.program IN ('partner_bonus', 'deal_extra') THEN
        PERFORM finance_usage_stale(NULL, OLD.valid_from, false);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.program IN ('partner_bonus', 'deal_extra') THEN
        PERFORM finance_usage_stale(NULL, NEW.valid_from, false);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_usage_stale AFTER INSERT OR DELETE ON finance_rebateterm
    FOR EACH ROW EXECUTE FUNCTION finance_usage_stale_term();
CREATE TRIGGER finance_usage_stale_update AFTER UPDATE ON finance_rebateterm
    FOR EACH ROW WHEN (
        (OLD.program, OLD.condition, OLD.rate, OLD.cap, OLD.threshold, OLD.currency, OLD.valid_from,
         OLD.valid_to)
        IS DISTINCT FROM
        (NEW.program, NEW.condition, NEW.rate, NEW.cap, NEW.threshold, NEW.currency, NEW.valid_from,
         NEW.valid_to)
    ) EXECUTE FUNCTION finance_usage_stale_term();

-- the days to create a deal's subaccount: every deal of every partner
CREATE FUNCTION finance_usage_stale_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM finance_usage_stale(NULL, '-infinity'::date, true);
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_usage_stale AFTER INSERT OR DELETE ON tools_programsettings
    FOR EACH ROW EXECUTE FUNCTION finance_usage_stale_settings();
CREATE TRIGGER finance_usage_stale_update AFTER UPDATE ON tools_programsettings
    FOR EACH ROW WHEN (OLD.deal_subaccount_days IS DISTINCT FROM NEW.deal_subaccount_days)
    EXECUTE FUNCTION finance_usage_stale_settings();
"""
STALE_DROP = """
DROP TRIGGER IF EXISTS finance_usage_stale ON tools_registration;
DROP TRIGGER IF EXISTS finance_usage_stale_update ON tools_registration;
DROP TRIGGER IF EXISTS finance_usage_stale ON subaccounts_subaccount;
DROP TRIGGER IF EXISTS finance_usage_stale_update ON subaccounts_subaccount;
DROP TRIGGER IF EXISTS finance_usage_stale ON finance_referredcustomer;
DROP TRIGGER IF EXISTS finance_usage_stale_update ON finance_referredcustomer;
DROP TRIGGER IF EXISTS finance_usage_stale ON finance_rebateterm;
DROP TRIGGER IF EXISTS finance_usage_stale_update ON finance_rebateterm;
DROP TRIGGER IF EXISTS finance_usage_stale ON tools_programsettings;
DROP TRIGGER IF EXISTS finance_usage_stale_update ON tools_programsettings;
DROP FUNCTION IF EXISTS finance_usage_stale_registration();
DROP FUNCTION IF EXISTS finance_usage_stale_subaccount();
DROP FUNCTION IF EXISTS finance_usage_stale_subaccount_row(subaccounts_subaccount);
DROP FUNCTION IF EXISTS finance_usage_stale_referred();
DROP FUNCTION IF EXISTS finance_usage_stale_term();
DROP FUNCTION IF EXISTS finance_usage_stale_settings();
DROP FUNCTION IF EXISTS finance_usage_stale(bigint, date, boolean);
"""
# a digest that is no longer the month's (a change before the triggers) goes with its row, under locks that
# keep the sources' writers out until the triggers are in place
LOCK_SOURCES = """
LOCK TABLE tools_registration, subaccounts_subaccount, finance_referredcustomer, finance_rebateterm,
    tools_programsettings IN SHARE ROW EXCLUSIVE MODE;
"""


def purge(apps, schema_editor):
    from finance.usage_rewards import stale_rows_purge

    stale_rows_purge()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0031_usage_rewards"),
        ("subaccounts", "0003_event_recipient"),
        ("tools", "0004_referral_links"),
    ]

    operations = [
        migrations.RunSQL(LOCK_SOURCES, migrations.RunSQL.noop),
        migrations.RunSQL(STALE, STALE_DROP),
        migrations.RunPython(purge, migrations.RunPython.noop),
    ]
