-- $1 first id, $2 last id, $3 anchor, $4 universities.
-- Programs are dealt round-robin over universities, so every university has some.
INSERT INTO programs (id, university_id, name, degree, deadline)
SELECT g,
  1 + (g - 1) % $4,
  (ARRAY['Computer Science', 'Data Science', 'Mechanical Engineering', 'Electrical Engineering',
    'Civil Engineering', 'Chemical Engineering', 'Mathematics', 'Statistics', 'Physics', 'Chemistry',
    'Biology', 'Biomedical Engineering', 'Medicine', 'Nursing', 'Public Health', 'Economics',
    'Finance', 'Business Administration', 'Marketing', 'Law', 'Political Science',
    'International Relations', 'Psychology', 'Sociology', 'History', 'Philosophy', 'Linguistics',
    'Architecture', 'Environmental Science', 'Fine Arts'])[1 + pg_temp.sr_pick(g, 21, 30)],
  (ARRAY['BSc', 'BA', 'BEng', 'MSc', 'MA', 'MEng', 'MBA', 'LLM', 'PhD'])[1 + pg_temp.sr_pick(g, 22, 9)],
  CASE WHEN pg_temp.sr_u(g, 23) < 0.9
    THEN ($3::timestamptz AT TIME ZONE 'UTC')::date + (pg_temp.sr_pick(g, 24, 365)::integer - 60) END
FROM generate_series($1::bigint, $2::bigint) AS g
