"""SQL that migrations share: a table the database itself keeps append-only (Rules of money 2)."""


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
