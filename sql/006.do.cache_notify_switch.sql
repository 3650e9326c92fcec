-- The change-notification triggers of 005 fire only while a gateway listens (CACHE_DB_NOTIFY):
-- a pg_notify makes every committing transaction take a database-wide lock at commit (measured:
-- 30 % of PATCH throughput), and the transition tables cost even when nobody listens. They start
-- disabled; a gateway with CACHE_DB_NOTIFY=true enables them when it starts listening
-- (src/cache/pg-notify.ts). `SELECT gateway_cache_notify_triggers(false)` turns them off again
-- once no instance uses CACHE_DB_NOTIFY. Returns how many triggers changed state.
CREATE OR REPLACE FUNCTION gateway_cache_notify_triggers(enable boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN
    SELECT c.relname AS tab, t.tgname AS trg
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE p.proname = 'gateway_cache_notify' AND NOT t.tgisinternal
       AND c.relnamespace = current_schema()::regnamespace
       AND (t.tgenabled = 'D') = enable
  LOOP
    EXECUTE format('ALTER TABLE %I %s TRIGGER %I', r.tab, CASE WHEN enable THEN 'ENABLE' ELSE 'DISABLE' END, r.trg);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;

SELECT gateway_cache_notify_triggers(false);
