/**
 * The primary's WAL position after a commit: what consistency tokens and cache freshness are built
 * from. Read on the committing connection right after COMMIT (or, for an autocommit statement, on
 * any primary connection afterwards — a later position is still a valid bound).
 *
 * pg_current_wal_lsn() is the written position; with synchronous_commit = off a commit may still be
 * only inserted, so the insert position is used then (never behind the commit). Not a 'query'
 * event: it is the gateway's bookkeeping, not the caller's workload.
 */
import type pg from 'pg'

const COMMIT_LSN_SQL = `SELECT (CASE WHEN current_setting('synchronous_commit') = 'off'
  THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn`

/** The furthest position the primary has handed out: tokens beyond it come from the future. */
export const PRIMARY_INSERT_LSN_SQL = 'SELECT pg_current_wal_insert_lsn()::text AS lsn'

export async function readCommitLsn (target: pg.Pool | pg.PoolClient): Promise<string | undefined> {
  const { rows } = await target.query<{ lsn: string | null }>(COMMIT_LSN_SQL)
  return rows[0]?.lsn ?? undefined
}

export async function readInsertLsn (target: pg.Pool | pg.PoolClient): Promise<string | undefined> {
  const { rows } = await target.query<{ lsn: string | null }>(PRIMARY_INSERT_LSN_SQL)
  return rows[0]?.lsn ?? undefined
}
