-- $1 first id, $2 last id, $3 anchor, $4 users, $5 students, $6 recommenders.
-- Ids 1..students are students, then recommenders, then admins. Emails are unique by id.
INSERT INTO users (id, email, name, role, is_active, created_at, updated_at)
SELECT id,
  lower(first_name || '.' || last_name || '.' || id || '@'
    || CASE WHEN role = 'admin' THEN 'stellarrec.example'
       ELSE (ARRAY['example.com', 'example.org', 'example.net', 'mail.example', 'campus.example'])
         [1 + pg_temp.sr_pick(id, 3, 5)] END),
  first_name || ' ' || last_name,
  role,
  pg_temp.sr_u(id, 5) >= 0.03,
  created_at,
  pg_temp.sr_between(created_at, $3::timestamptz, 0.3 * pg_temp.sr_u(id, 6))
FROM (
  SELECT g AS id,
    (ARRAY['Ada', 'Alan', 'Amara', 'Aiko', 'Bruno', 'Chen', 'Chloe', 'Dmitri', 'Elena', 'Emeka',
      'Fatima', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jamal', 'Julia', 'Kofi',
      'Lars', 'Leila', 'Lucas', 'Maya', 'Mateo', 'Nadia', 'Noah', 'Olga', 'Omar', 'Priya',
      'Rafael', 'Rosa', 'Sami', 'Sofia', 'Tariq', 'Uma', 'Victor', 'Wen', 'Yusuf', 'Zoe'])
      [1 + pg_temp.sr_pick(g, 1, 40)] AS first_name,
    (ARRAY['Anderson', 'Bauer', 'Costa', 'Dubois', 'Eriksson', 'Fernandez', 'Garcia', 'Haddad',
      'Ivanova', 'Jensen', 'Kim', 'Kowalski', 'Lopez', 'Martin', 'Müller', 'Nakamura', 'Nguyen',
      'Okafor', 'Olsen', 'Patel', 'Quinn', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Tanaka',
      'Taylor', 'Usman', 'Varga', 'Wang', 'Weber', 'Williams', 'Xu', 'Yamamoto', 'Zhang',
      'Zielinski', 'Novak', 'Brown', 'Singh', 'Cohen'])
      [1 + pg_temp.sr_pick(g, 2, 40)] AS last_name,
    CASE WHEN g <= $5 THEN 'student' WHEN g <= $5 + $6 THEN 'recommender' ELSE 'admin' END AS role,
    pg_temp.sr_user_created(g, $4, $3::timestamptz) AS created_at
  FROM generate_series($1::bigint, $2::bigint) AS g
  OFFSET 0
) AS s
