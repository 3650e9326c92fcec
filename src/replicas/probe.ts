/**
 * One health reading of one node over its own long-lived connection. Probes never borrow from the
 * node's pool: a pool saturated by traffic would make a healthy node look dead, and a probe queued
 * behind traffic would measure the queue rather than the server.
 */
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { failureReason } from '../client/pg-errors.js'
import { withTimeout } from '../util/with-timeout.js'

export interface NodeReading {
  /** Date.now() when the reading was taken. */
  at: number
  ok: boolean
  /** Short, credential-free reason when `ok` is false. */
  error?: string
  latencyMs: number | null
  inRecovery?: boolean
  /** pg_current_wal_lsn() (a node not in recovery). */
  currentLsn?: string
  /** pg_last_wal_receive_lsn() / pg_last_wal_replay_lsn() (a node in recovery). */
  receiveLsn?: string
  replayLsn?: string
  replayPaused?: boolean
}

// CASE guards the functions that raise on the other kind of node (they are volatile: never folded).
const PROBE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
  pg_last_wal_receive_lsn()::text AS receive_lsn,
  pg_last_wal_replay_lsn()::text AS replay_lsn,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS replay_paused`

/** The `error` of a reading taken after close(): not a fact about the node. */
export const STOPPED = 'health checks stopped'

interface ProbeRow {
  in_recovery: boolean
  current_lsn: string | null
  receive_lsn: string | null
  replay_lsn: string | null
  replay_paused: boolean
}

export class NodeProbe {
  private client: pg.Client | undefined
  private closed = false

  constructor (
    readonly name: string,
    private readonly connection: pg.ClientConfig,
    private readonly timeoutMs: number
  ) {}

  async read (): Promise<NodeReading> {
    const at = Date.now()
    // A closed probe never opens a connection again (it would outlive the client).
    if (this.closed) return { at, ok: false, latencyMs: null, error: STOPPED }
    const start = performance.now()
    const timedOut = new Error(`no answer within ${this.timeoutMs} ms`)
    try {
      const row = await withTimeout(this.query(), this.timeoutMs, () => timedOut)
      const reading: NodeReading = { at, ok: true, latencyMs: Math.round((performance.now() - start) * 100) / 100, inRecovery: row.in_recovery }
      if (row.current_lsn !== null) reading.currentLsn = row.current_lsn
      if (row.receive_lsn !== null) reading.receiveLsn = row.receive_lsn
      if (row.replay_lsn !== null) reading.replayLsn = row.replay_lsn
      if (row.in_recovery) reading.replayPaused = row.replay_paused
      return reading
    } catch (err) {
      // A connection in an unknown state is dropped; the next round opens a fresh one.
      this.drop()
      if (this.closed) return { at, ok: false, latencyMs: null, error: STOPPED }
      return { at, ok: false, latencyMs: null, error: err === timedOut ? timedOut.message : failureReason(err, this.name) }
    }
  }

  private async query (): Promise<ProbeRow> {
    if (this.client === undefined) {
      const client = new pg.Client({ ...this.connection, connectionTimeoutMillis: this.timeoutMs })
      // An idle probe connection killed by the server must not crash the process.
      client.on('error', () => { if (this.client === client) this.drop() })
      this.client = client
      await client.connect()
      // Closed while connecting: do not keep it.
      if (this.closed) this.drop()
    }
    if (this.client === undefined) throw new Error(STOPPED)
    const { rows } = await this.client.query<ProbeRow>(PROBE_SQL)
    return rows[0] as ProbeRow
  }

  private drop (): void {
    const client = this.client
    this.client = undefined
    client?.end().catch(() => {})
  }

  close (): void {
    this.closed = true
    this.drop()
  }

  /** Allows a stopped manager to start again. */
  reopen (): void {
    this.closed = false
  }

  get isClosed (): boolean {
    return this.closed
  }
}

/** Connection settings of a pool, for a probe that talks to the same server as its own client. */
export function probeConnection (pool: pg.Pool, name: string): pg.ClientConfig {
  const { connectionString, host, port, user, password, database, ssl, options } = pool.options
  const config: pg.ClientConfig = { application_name: `stellarrec-gateway:${name}:health`, keepAlive: true }
  if (connectionString !== undefined) config.connectionString = connectionString
  if (host !== undefined) config.host = host
  if (port !== undefined) config.port = port
  if (user !== undefined) config.user = user
  if (password !== undefined) config.password = password
  if (database !== undefined) config.database = database
  if (ssl !== undefined) config.ssl = ssl
  if (options !== undefined) config.options = options
  return config
}
