/**
 * Connection acquire time per pool, by wrapping the pool's own `connect` (pg-pool's `query` goes
 * through it too), so every path — delegates, raw queries, transactions — is timed without the
 * executor knowing. The returned function restores the original.
 */
import { performance } from 'node:perf_hooks'
import type pg from 'pg'

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void

export function timeAcquire (pool: pg.Pool, observeMs: (ms: number) => void): () => void {
  const hadOwn = Object.prototype.hasOwnProperty.call(pool, 'connect')
  const original = pool.connect as (this: pg.Pool, cb?: ConnectCallback) => Promise<pg.PoolClient> | undefined
  const wrapped = function (this: pg.Pool, cb?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    const start = performance.now()
    if (typeof cb === 'function') {
      return original.call(this, (err, client, done) => {
        if (err === undefined || err === null) observeMs(performance.now() - start)
        cb(err, client, done)
      })
    }
    return (original.call(this) as Promise<pg.PoolClient>).then((client) => {
      observeMs(performance.now() - start)
      return client
    })
  }
  ;(pool as unknown as { connect: typeof wrapped }).connect = wrapped
  return () => {
    if ((pool as unknown as { connect: unknown }).connect !== wrapped) return
    if (hadOwn) (pool as unknown as { connect: unknown }).connect = original
    else delete (pool as unknown as { connect?: unknown }).connect
  }
}
