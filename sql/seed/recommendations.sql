-- $1 first id, $2 last id, $3 anchor, $4 users, $5 applicants, $6 applications,
-- $7 first recommender id - 1, $8 recommenders.
-- Recommendation r asks recommender (h(app) + k) % recommenders for application (r - 1) % applications,
-- k = (r - 1) / applications: distinct per application, so the UNIQUE constraint holds.
INSERT INTO recommendations (id, application_id, recommender_id, status, requested_at, submitted_at)
SELECT id, application_id, recommender_id, status, requested_at,
  CASE WHEN status = 'submitted'
    THEN pg_temp.sr_between(requested_at, $3::timestamptz, 0.5 * pg_temp.sr_u(id, 44)) END
FROM (
  SELECT id, application_id, recommender_id,
    CASE WHEN pg_temp.sr_app_status(application_id) = 'draft'
      THEN (ARRAY['requested', 'in_progress'])[1 + width_bucket(pg_temp.sr_u(id, 42), ARRAY[0.7]::double precision[])]
      ELSE (ARRAY['requested', 'in_progress', 'submitted', 'declined'])
        [1 + width_bucket(pg_temp.sr_u(id, 42), ARRAY[0.15, 0.30, 0.90]::double precision[])]
    END AS status,
    pg_temp.sr_between(pg_temp.sr_app_created(application_id, $5, $4, $3::timestamptz), $3::timestamptz,
      0.2 * pg_temp.sr_u(id, 43)) AS requested_at
  FROM (
    SELECT g AS id,
      1 + (g - 1) % $6 AS application_id,
      $7 + 1 + (pg_temp.sr_pick(1 + (g - 1) % $6, 41, $8) + (g - 1) / $6) % $8 AS recommender_id
    FROM generate_series($1::bigint, $2::bigint) AS g
    OFFSET 0
  ) AS a
  OFFSET 0
) AS b
