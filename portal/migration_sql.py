"""SQL that migrations share: a table the database itself keeps append-only (Rules of money 2), one only a
trigger writes (a kept aggregate), and whether the server has trigram indexes for the lists' searches."""

from django.db import migrations, transaction


def append_only(table: str) -> tuple[str, str]:
    """Forward and backward SQL of a trigger that refuses every UPDATE and DELETE on ``table``."""
    function = f"{table}_append_only"
    forward = f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, backward


def kept_by_trigger(table: str) -> tuple[str, str]:
    """Forward and backward SQL of a trigger that refuses every INSERT, UPDATE and DELETE on ``table`` but
    those of another table's trigger (a kept aggregate: only the trigger that keeps it writes it)."""
    function = f"{table}_kept_by_trigger"
    forward = f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '{table} is kept by a trigger: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, backward


def has_trigrams(cursor) -> bool:
    """Whether pg_trgm is installed here, or can be: created when the server has it and we may."""
    cursor.execute("SELECT installed_version FROM pg_available_extensions WHERE name = 'pg_trgm'")
    row = cursor.fetchone()
    if row is None:
        return False  # not on this server (pgserver)
    if row[0] is not None:
        return True
    try:
        with transaction.atomic(using=cursor.db.alias):  # a savepoint: a refusal leaves the migration going
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - no right to create it: the search scans, as on pgserver
        return False
    return True


def trigram_indexes(indexes: dict[str, str]) -> migrations.RunPython:
    """The operation that creates ``indexes`` (name → ``table USING gin (…)``) where the server has pg_trgm
    (else nothing: the searches scan, the same rows found) and drops them backwards."""

    def create(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            if not has_trigrams(cursor):
                return
            for name, target in indexes.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    def drop(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            for name in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
