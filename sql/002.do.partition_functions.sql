-- Monthly range partitions, created idempotently. Reused by partition maintenance.
-- Months are UTC months: bounds are written with an explicit offset, so the session TimeZone of
-- whoever runs this never shifts a boundary.
-- Returns the names of the partitions it created (none when all already exist).
-- Raises if the DEFAULT partition holds rows belonging to a month being created; maintenance
-- must move those rows out first.

CREATE FUNCTION gateway_ensure_monthly_partitions(parent regclass, from_month date, to_month date)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  parent_schema text;
  parent_name   text;
  month_start   date;
  last_month    date;
  part_name     text;
BEGIN
  SELECT n.nspname, c.relname INTO parent_schema, parent_name
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
  WHERE c.oid = parent AND pt.partstrat = 'r';

  IF parent_name IS NULL THEN
    RAISE EXCEPTION '% is not a range-partitioned table', parent
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF from_month IS NULL OR to_month IS NULL THEN
    RAISE EXCEPTION 'from_month and to_month are required' USING ERRCODE = 'null_value_not_allowed';
  END IF;

  -- Serializes concurrent callers for the same parent, so "exists?" then "create" cannot race.
  PERFORM pg_advisory_xact_lock(hashtext('gateway_ensure_monthly_partitions'), parent::oid::integer);

  month_start := date_trunc('month', from_month)::date;
  last_month := date_trunc('month', to_month)::date;

  WHILE month_start <= last_month LOOP
    part_name := parent_name || '_p' || to_char(month_start, 'YYYYMM');
    IF to_regclass(format('%I.%I', parent_schema, part_name)) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
        parent_schema, part_name, parent,
        month_start::timestamp AT TIME ZONE 'UTC',
        (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'
      );
      RETURN NEXT part_name;
    END IF;
    month_start := (month_start + interval '1 month')::date;
  END LOOP;
END
$$;
