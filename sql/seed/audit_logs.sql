-- $1 first id, $2 last id, $3 rows, $4 window start, $5 window seconds, $6 users,
-- $7 applications, $8 recommendations, $9 programs.
INSERT INTO audit_logs (id, actor_id, action, entity, entity_id, diff, created_at)
SELECT id, actor_id, action, entity,
  1 + pg_temp.sr_pick(id, 64, CASE entity WHEN 'applications' THEN $7::bigint
    WHEN 'recommendations' THEN $8::bigint WHEN 'users' THEN $6::bigint ELSE $9::bigint END),
  CASE WHEN action <> 'update' THEN '{}'::jsonb
    WHEN entity = 'applications' THEN jsonb_build_object('status', jsonb_build_object(
      'from', (ARRAY['draft', 'submitted', 'under_review', 'under_review'])[t],
      'to', (ARRAY['submitted', 'under_review', 'accepted', 'rejected'])[t]))
    WHEN entity = 'recommendations' THEN jsonb_build_object('status', jsonb_build_object(
      'from', (ARRAY['requested', 'in_progress', 'requested', 'in_progress'])[t],
      'to', (ARRAY['in_progress', 'submitted', 'declined', 'declined'])[t]))
    WHEN entity = 'users' THEN jsonb_build_object('isActive', jsonb_build_object('from', t <> 4, 'to', t = 4))
    ELSE jsonb_build_object('deadline', jsonb_build_object('from', null, 'to', created_at::date + 90))
  END,
  created_at
FROM (
  SELECT g AS id,
    CASE WHEN pg_temp.sr_u(g, 61) >= 0.05 THEN 1 + pg_temp.sr_pick(g, 62, $6) END AS actor_id,
    (ARRAY['create', 'update', 'delete'])
      [1 + width_bucket(pg_temp.sr_u(g, 63), ARRAY[0.3, 0.97]::double precision[])] AS action,
    (ARRAY['applications', 'recommendations', 'users', 'programs'])
      [1 + width_bucket(pg_temp.sr_u(g, 65), ARRAY[0.5, 0.8, 0.95]::double precision[])] AS entity,
    1 + pg_temp.sr_pick(g, 66, 4)::integer AS t,
    $4::timestamptz + ((g - 1 + pg_temp.sr_u(g, 67)) / $3 * $5) * interval '1 second' AS created_at
  FROM generate_series($1::bigint, $2::bigint) AS g
  OFFSET 0
) AS s
