-- Per-university application counts by status. Universities without applications appear with
-- zeros and a NULL acceptance rate. The UNIQUE index is what REFRESH ... CONCURRENTLY requires.

CREATE MATERIALIZED VIEW university_application_stats AS
SELECT
  u.id AS university_id,
  count(a.id)::integer AS total,
  (count(*) FILTER (WHERE a.status = 'draft'))::integer AS draft,
  (count(*) FILTER (WHERE a.status = 'submitted'))::integer AS submitted,
  (count(*) FILTER (WHERE a.status = 'under_review'))::integer AS under_review,
  (count(*) FILTER (WHERE a.status = 'accepted'))::integer AS accepted,
  (count(*) FILTER (WHERE a.status = 'rejected'))::integer AS rejected,
  round(
    (count(*) FILTER (WHERE a.status = 'accepted'))::numeric
      / nullif(count(*) FILTER (WHERE a.status IN ('accepted', 'rejected')), 0),
    4
  ) AS acceptance_rate
FROM universities u
LEFT JOIN programs p ON p.university_id = u.id
LEFT JOIN applications a ON a.program_id = p.id
GROUP BY u.id;

CREATE UNIQUE INDEX university_application_stats_university_id_idx
  ON university_application_stats (university_id);
