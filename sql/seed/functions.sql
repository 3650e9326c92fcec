-- Session-local helpers for the seed (pg_temp: they vanish with the connection).
-- Everything derives from hashes of row numbers, never random(), so the same scale and anchor give
-- the same rows on every run. All simple SQL expressions, so the planner inlines them.
-- Time arithmetic uses second intervals only, which no TimeZone or DST setting can shift.

-- Uniform double in [0, 1) from (row number, salt).
CREATE FUNCTION pg_temp.sr_u(i bigint, salt bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE AS
$$ SELECT ((hashint8extended(i, salt) >> 11) & 9007199254740991)::double precision / 9007199254740992 $$;

-- Uniform integer in [0, n).
CREATE FUNCTION pg_temp.sr_pick(i bigint, salt bigint, n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS
$$ SELECT floor(pg_temp.sr_u(i, salt) * n)::bigint $$;

-- A point between t and anchor, at fraction f of the way.
CREATE FUNCTION pg_temp.sr_between(t timestamptz, anchor timestamptz, f double precision) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS
$$ SELECT t + (f * extract(epoch FROM anchor - t)::double precision) * interval '1 second' $$;

-- Users sign up over the two years before the anchor, in id order.
CREATE FUNCTION pg_temp.sr_user_created(uid bigint, users bigint, anchor timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS
$$ SELECT anchor - ((users - uid + pg_temp.sr_u(uid, 4)) / users * 63072000) * interval '1 second' $$;

-- Application a belongs to applicant 1 + (a - 1) % applicants; created after its user signed up.
CREATE FUNCTION pg_temp.sr_app_created(a bigint, applicants bigint, users bigint, anchor timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.sr_between(pg_temp.sr_user_created(1 + (a - 1) % applicants, users, anchor), anchor, pg_temp.sr_u(a, 32)) $$;

-- draft 15%, submitted 30%, under_review 25%, accepted 12%, rejected 18%.
CREATE FUNCTION pg_temp.sr_app_status(a bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT (ARRAY['draft', 'submitted', 'under_review', 'accepted', 'rejected'])
     [1 + width_bucket(pg_temp.sr_u(a, 33), ARRAY[0.15, 0.45, 0.70, 0.82]::double precision[])] $$;
