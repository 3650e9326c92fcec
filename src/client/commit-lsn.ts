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

/**
 * COMMIT and the position after it in one round trip (a simple-protocol multi-statement query:
 * the SELECT runs after the COMMIT has completed). Resolves to undefined when the position could
 * not be read; rejects only when the COMMIT itself failed.
 */
export async function commitReadingLsn (client: pg.PoolClient): Promise<string | undefined> {
  const results = await client.query(`COMMIT; ${COMMIT_LSN_SQL}`) as unknown as pg.QueryResult[] | pg.QueryResult
  const last = Array.isArray(results) ? results[results.length - 1] : undefined
  const lsn = (last?.rows[0] as { lsn?: string | null } | undefined)?.lsn
  return lsn ?? undefined
}

export async function readCommitLsn (target: pg.Pool | pg.PoolClient): Promise<string | undefined> {
  const { rows } = await target.query<{ lsn: string | null }>(COMMIT_LSN_SQL)
  return rows[0]?.lsn ?? undefined
}

export async function readInsertLsn (target: pg.Pool | pg.PoolClient): Promise<string | undefined> {
  const { rows } = await target.query<{ lsn: string | null }>(PRIMARY_INSERT_LSN_SQL)
  return rows[0]?.lsn ?? undefined
}
