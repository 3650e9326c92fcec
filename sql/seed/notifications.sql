-- $1 first id, $2 last id, $3 anchor, $4 rows, $5 window start, $6 window seconds, $7 users,
-- $8 applications.
-- created_at rises with id across [window start, anchor): ids and time agree, as in production.
INSERT INTO notifications (id, user_id, kind, payload, read_at, created_at)
SELECT id, user_id, kind,
  jsonb_build_object('applicationId', application_id, 'kind', kind),
  CASE WHEN pg_temp.sr_u(id, 55) < 0.6
    THEN pg_temp.sr_between(created_at, $3::timestamptz, 0.05 * pg_temp.sr_u(id, 56)) END,
  created_at
FROM (
  SELECT g AS id,
    1 + pg_temp.sr_pick(g, 52, $7) AS user_id,
    (ARRAY['application_submitted', 'application_status_changed', 'recommendation_requested',
      'recommendation_submitted', 'deadline_reminder'])
      [1 + width_bucket(pg_temp.sr_u(g, 53), ARRAY[0.2, 0.5, 0.7, 0.85]::double precision[])] AS kind,
    1 + pg_temp.sr_pick(g, 54, $8) AS application_id,
    $5::timestamptz + ((g - 1 + pg_temp.sr_u(g, 51)) / $4 * $6) * interval '1 second' AS created_at
  FROM generate_series($1::bigint, $2::bigint) AS g
  OFFSET 0
) AS s
