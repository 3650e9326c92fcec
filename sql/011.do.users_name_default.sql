-- A user can be created by e-mail alone (an invitation; the seed document's
-- `db.primary.users.create({ data: { email } })`): the name defaults to empty until they set it.
ALTER TABLE users ALTER COLUMN name SET DEFAULT '';
