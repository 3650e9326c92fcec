-- $1 first id, $2 last id, $3 universities.
INSERT INTO universities (id, name, country, city, ranking, is_active)
SELECT id,
  CASE pg_temp.sr_pick(id, 12, 6)
    WHEN 0 THEN 'University of ' || city
    WHEN 1 THEN city || ' Institute of Technology'
    WHEN 2 THEN founder || ' University'
    WHEN 3 THEN city || ' State University'
    WHEN 4 THEN founder || ' College ' || city
    ELSE 'Technical University of ' || city
  END,
  country,
  city,
  CASE WHEN pg_temp.sr_u(id, 13) < 0.85 THEN 1 + pg_temp.sr_pick(id, 14, greatest($3, 1000))::integer END,
  pg_temp.sr_u(id, 15) >= 0.02
FROM (
  SELECT g AS id,
    (ARRAY['Boston', 'Chicago', 'Austin', 'Seattle', 'Toronto', 'Vancouver', 'Montreal', 'London',
      'Manchester', 'Edinburgh', 'Berlin', 'Munich', 'Hamburg', 'Paris', 'Lyon', 'Madrid',
      'Barcelona', 'Rome', 'Milan', 'Amsterdam', 'Delft', 'Zurich', 'Geneva', 'Vienna', 'Stockholm',
      'Oslo', 'Copenhagen', 'Helsinki', 'Warsaw', 'Prague', 'Tokyo', 'Kyoto', 'Seoul', 'Singapore',
      'Sydney', 'Melbourne', 'Auckland', 'São Paulo', 'Mexico City', 'Cape Town'])[c] AS city,
    (ARRAY['US', 'US', 'US', 'US', 'CA', 'CA', 'CA', 'GB', 'GB', 'GB', 'DE', 'DE', 'DE', 'FR', 'FR',
      'ES', 'ES', 'IT', 'IT', 'NL', 'NL', 'CH', 'CH', 'AT', 'SE', 'NO', 'DK', 'FI', 'PL', 'CZ', 'JP',
      'JP', 'KR', 'SG', 'AU', 'AU', 'NZ', 'BR', 'MX', 'ZA'])[c] AS country,
    (ARRAY['Harrington', 'Whitfield', 'Caldwell', 'Ashford', 'Bellamy', 'Carrington', 'Everett',
      'Fairbanks', 'Greystone', 'Holloway', 'Kingsley', 'Lockhart', 'Montague', 'Northcott',
      'Pemberton', 'Radcliffe', 'Sterling', 'Thornbury', 'Wexford', 'Yardley'])
      [1 + pg_temp.sr_pick(g, 16, 20)] AS founder
  FROM generate_series($1::bigint, $2::bigint) AS g,
    LATERAL (SELECT 1 + pg_temp.sr_pick(g, 11, 40)::integer AS c) AS pick
  OFFSET 0
) AS s
