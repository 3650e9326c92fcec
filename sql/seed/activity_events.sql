-- $1 first id, $2 last id, $3 rows, $4 window start, $5 window seconds, $6 users, $7 programs,
-- $8 universities.
INSERT INTO activity_events (id, user_id, kind, payload, created_at)
SELECT id, user_id, kind,
  CASE kind
    WHEN 'program_view' THEN jsonb_build_object('programId', target % $7 + 1)
    WHEN 'search' THEN jsonb_build_object('query', (ARRAY['computer science', 'mba', 'medicine',
      'law', 'engineering', 'economics', 'physics', 'design'])[1 + target % 8])
    WHEN 'application_edit' THEN jsonb_build_object('field', (ARRAY['essay', 'documents', 'recommenders'])[1 + target % 3])
    WHEN 'login' THEN '{}'::jsonb
    ELSE jsonb_build_object('path', '/universities/' || (target % $8 + 1))
  END,
  created_at
FROM (
  SELECT g AS id,
    1 + pg_temp.sr_pick(g, 71, $6) AS user_id,
    (ARRAY['page_view', 'program_view', 'search', 'application_edit', 'login'])
      [1 + width_bucket(pg_temp.sr_u(g, 72), ARRAY[0.45, 0.70, 0.85, 0.95]::double precision[])] AS kind,
    pg_temp.sr_pick(g, 73, 1000000000) AS target,
    $4::timestamptz + ((g - 1 + pg_temp.sr_u(g, 74)) / $3 * $5) * interval '1 second' AS created_at
  FROM generate_series($1::bigint, $2::bigint) AS g
  OFFSET 0
) AS s
