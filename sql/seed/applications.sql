-- $1 first id, $2 last id, $3 anchor, $4 users, $5 applicants, $6 programs.
-- Application a is applicant (a - 1) % applicants's k-th, k = (a - 1) / applicants, for program
-- (h(user) + k) % programs: distinct programs per user, so UNIQUE (user_id, program_id) holds.
INSERT INTO applications (id, user_id, program_id, status, submitted_at, created_at, updated_at)
SELECT id, user_id, program_id, status, submitted_at, created_at,
  pg_temp.sr_between(coalesce(submitted_at, created_at), $3::timestamptz, 0.5 * pg_temp.sr_u(id, 35))
FROM (
  SELECT id, user_id, program_id, status, created_at,
    CASE WHEN status <> 'draft'
      THEN pg_temp.sr_between(created_at, $3::timestamptz, 0.5 * pg_temp.sr_u(id, 34)) END AS submitted_at
  FROM (
    SELECT g AS id,
      1 + (g - 1) % $5 AS user_id,
      1 + (pg_temp.sr_pick(1 + (g - 1) % $5, 31, $6) + (g - 1) / $5) % $6 AS program_id,
      pg_temp.sr_app_status(g) AS status,
      pg_temp.sr_app_created(g, $5, $4, $3::timestamptz) AS created_at
    FROM generate_series($1::bigint, $2::bigint) AS g
    OFFSET 0
  ) AS a
  OFFSET 0
) AS b
