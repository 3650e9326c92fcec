-- Cache invalidation for writes made outside the gateway (CACHE_DB_NOTIFY, docs/cache.md):
-- one pg_notify per statement on channel 'gateway_cache' with the table and the ids it touched
-- (ids omitted past 100 rows: the listener then invalidates the whole table). Statement-level
-- triggers with transition tables keep bulk loads cheap: one notification per statement.
CREATE OR REPLACE FUNCTION gateway_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(id) INTO ids FROM (SELECT id FROM old_rows LIMIT 101) s;
  ELSE
    SELECT array_agg(id) INTO ids FROM (SELECT id FROM new_rows LIMIT 101) s;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('gateway_cache', json_build_object(
    't', TG_TABLE_NAME,
    'ids', CASE WHEN cardinality(ids) > 100 THEN NULL ELSE ids END)::text);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'universities', 'programs', 'applications', 'recommendations', 'notifications', 'activity_events'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gateway_cache_notify()', t || '_cache_ins', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gateway_cache_notify()', t || '_cache_upd', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gateway_cache_notify()', t || '_cache_del', t);
  END LOOP;
END
$$;

-- The cache's namespace: a random id per database, part of every Redis key (plugins/cache.ts), so
-- a Redis shared with another database — or with this one before it was recreated — never serves
-- that database's entries.
CREATE TABLE gateway_cache_namespace (
  id text PRIMARY KEY DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 10)
);
INSERT INTO gateway_cache_namespace DEFAULT VALUES;
