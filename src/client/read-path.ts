/**
 * How one read runs (SPEC §6, §9): `strong` → the primary; otherwise a replica the router allows
 * for the caller's minimum LSN (the request's token, or its own last commit); when no replica is
 * known to be fresh enough, one replica is asked for its replay position on the connection that
 * then runs the read, and the primary is used only if it has not caught up. A connection-level
 * failure is retried once on another node (the primary, unless it is known down). Each read leaves a lower bound of its data's freshness
 * in the request context (`observedLsn`) for the cache layer.
 */
import type pg from 'pg'
import { currentContext, type RequestContext } from '../context/request-context.js'
import type { ModelDef } from '../models/registry.js'
import type { PoolRegistry } from '../pools/pool-registry.js'
import { lsnReached, maxLsn } from '../replicas/lsn.js'
import type { ReplicaManager } from '../replicas/replica-manager.js'
import { execute, type QueryListener } from './executor.js'
import { codedError, toGatewayError } from './pg-errors.js'
import type { NodeName, ReadRouter } from './read-router.js'
import type { InFlight } from './read-strategies.js'

export interface ReadPathDeps {
  pools: PoolRegistry
  manager: ReplicaManager
  router: () => ReadRouter
  inFlight: InFlight
  onQuery: QueryListener
  /** The highest WAL position known to be committed on the primary (a lower bound of its data). */
  primaryLsn: () => string | undefined
}

const READ_ONLY_STATEMENT = /^\s*(select|with|values|table|show|explain)\b/i
const LOCKING_OR_WRITING = /\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|\b(insert|update|delete|merge)\b\s/i

/** Raw SQL a standby can run; anything else sent with `target: 'read'` goes to the primary. */
export function standbyCanRun (text: string): boolean {
  return READ_ONLY_STATEMENT.test(text) && !LOCKING_OR_WRITING.test(text)
}

/** Failures that say nothing about the statement, only about reaching the node. */
export function isConnectionFailure (err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return code === 'GW_ERR_DB_UNAVAILABLE' || code === 'GW_ERR_POOL_TIMEOUT'
}

export class ReadPath {
  constructor (private readonly deps: ReadPathDeps) {}

  async run (text: string, values: unknown[] | undefined, model?: ModelDef): Promise<pg.QueryResult> {
    const ctx = currentContext()
    if (ctx?.strong === true) return await this.on('primary', ctx, undefined, text, values, model)
    const minLsn = maxLsn(ctx?.minLsn, ctx?.lastCommitLsn)
    const router = this.deps.router()
    const node = router.pick(minLsn === undefined ? {} : { minLsn })
    if (node === 'primary' && minLsn !== undefined) {
      const fresh = await this.onFreshReplica(router, ctx, minLsn, text, values, model)
      if (fresh !== undefined) return fresh
    }
    try {
      return await this.on(node, ctx, minLsn, text, values, model)
    } catch (err) {
      if (!isConnectionFailure(err)) throw err
      if (node !== 'primary') this.deps.manager.reportConnectionFailure(node)
      // One retry, so it goes where it is most likely to work: the primary (fresh enough for any
      // token) unless that is known down, then another replica. Other replicas may be dying too.
      const retry = node !== 'primary' && this.deps.manager.primaryState() !== 'down'
        ? 'primary'
        : router.pick(minLsn === undefined ? { exclude: [node] } : { minLsn, exclude: [node] })
      if (retry === node) throw err
      return await this.on(retry, ctx, minLsn, text, values, model)
    }
  }

  private async on (node: NodeName, ctx: RequestContext | undefined, minLsn: string | undefined, text: string, values: unknown[] | undefined, model?: ModelDef): Promise<pg.QueryResult> {
    const pool = this.deps.pools.get(node)
    if (!pool) throw codedError('GW_ERR_INTERNAL', `The read router picked an unknown node ${JSON.stringify(node)}`, { node })
    // Taken before the statement starts: replay and commits only move forward.
    const observed = node === 'primary' ? maxLsn(this.deps.primaryLsn(), minLsn) : this.deps.manager.replayLsn(node)
    this.deps.inFlight.begin(node)
    try {
      const result = await execute(node, pool, text, values, this.deps.onQuery, model)
      if (ctx !== undefined && observed !== undefined) ctx.observedLsn = observed
      return result
    } finally {
      this.deps.inFlight.end(node)
    }
  }

  /**
   * Asks one replica in the rotation how far it has replayed and, if far enough, runs the read on
   * that same connection (its snapshot is then at least that fresh). Undefined → use the primary.
   */
  private async onFreshReplica (router: ReadRouter, ctx: RequestContext | undefined, minLsn: string, text: string, values: unknown[] | undefined, model?: ModelDef): Promise<pg.QueryResult | undefined> {
    const node = router.pick({ keepingUp: true })
    const pool = node === 'primary' ? undefined : this.deps.pools.get(node)
    if (pool === undefined) return undefined
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (err) {
      if (isConnectionFailure(toGatewayError(err, { node }))) this.deps.manager.reportConnectionFailure(node)
      return undefined
    }
    let broken: Error | undefined
    this.deps.inFlight.begin(node)
    try {
      const { rows } = await client.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn')
      const replay = rows[0]?.lsn ?? undefined
      if (replay === undefined) return undefined
      this.deps.manager.noteReplay(node, replay)
      if (!lsnReached(replay, minLsn)) return undefined
      const result = await execute(node, client, text, values, this.deps.onQuery, model)
      if (ctx !== undefined) ctx.observedLsn = replay
      return result
    } catch (err) {
      const mapped = toGatewayError(err, { node })
      if (!isConnectionFailure(mapped)) throw mapped
      broken = mapped
      this.deps.manager.reportConnectionFailure(node)
      return undefined
    } finally {
      this.deps.inFlight.end(node)
      client.release(broken ?? false)
    }
  }
}
