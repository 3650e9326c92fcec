/**
 * Monitoring statements run on a pool directly (never through the client, so they emit no
 * 'query' event and monitoring never records itself), each in a short transaction with its own
 * statement timeout: a slow or locked monitoring table must never hold a connection for long.
 */
import type pg from 'pg'

export async function withStatementTimeout<T> (
  pool: pg.Pool,
  timeoutMs: number,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: { rollback?: boolean; readOnly?: boolean; discardConnection?: boolean } = {}
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(opts.readOnly === true ? 'BEGIN READ ONLY' : 'BEGIN')
    // SET LOCAL takes no parameters; the value is an integer we built.
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`)
    const result = await fn(client)
    await client.query(opts.rollback === true ? 'ROLLBACK' : 'COMMIT')
    return result
  } catch (err) {
    // A connection whose ROLLBACK failed is destroyed, not returned (as src/client/transaction.ts).
    await client.query('ROLLBACK').catch((e: Error) => { broken = e })
    throw err
  } finally {
    // Discarded: session state the callback may have left (advisory locks, settings) ends with it.
    client.release(broken ?? opts.discardConnection === true)
  }
}
