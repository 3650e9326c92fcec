/**
 * The replica manager (SPEC §6): one health loop over the primary and every replica, reading
 * recovery state and WAL positions, turning them into lag (bytes and ms) and a rotation state with
 * hysteresis, and answering the router's question "which replicas may serve this read?".
 * Framework-agnostic; `db.replicaManager` on the client.
 */
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { PoolEntry } from '../pools/pool-registry.js'
import { lsnReached, maxLsn } from './lsn.js'
import { NodeProbe, STOPPED, probeConnection, type NodeReading } from './probe.js'
import { Rotation, type Transition, type Verdict } from './rotation.js'
import {
  REPLICA_HEALTH_DEFAULTS, type NodeStateChange, type PrimaryState, type PrimaryStatus, type ReplicaHealthOptions,
  type ReplicaManagerEvents, type ReplicaState, type ReplicaStatus
} from './types.js'
import { WalFrontier } from './wal-frontier.js'

interface Tracked {
  name: string
  role: 'primary' | 'replica'
  probe: NodeProbe
  rotation: Rotation
  reading: NodeReading | undefined
  /**
   * Replay position of the last good reading (raised by noteReplay in between). Replaced, not
   * maxed, by each reading: a node that restarted, or was replaced at the same address, can be
   * behind what it once replayed.
   */
  replayLsn: string | undefined
  lagBytes: number | null
  lagMs: number | null
  /** Smoothed probe round trip, for the latency strategy. */
  latencyEwma: number | undefined
  /** A read just failed on it with a connection error: skip it until a probe answers again. */
  suspect: boolean
  /** Date.now() of that failure: only a reading started after it may clear `suspect`. */
  suspectSince: number
}

const EWMA_ALPHA = 0.3

export class ReplicaManager extends EventEmitter<ReplicaManagerEvents> {
  readonly options: ReplicaHealthOptions
  private readonly nodes: Tracked[]
  private readonly frontier: WalFrontier
  private timer: NodeJS.Timeout | undefined
  private running = false
  private round: Promise<void> | undefined

  constructor (entries: readonly PoolEntry[], options: Partial<ReplicaHealthOptions> = {}) {
    super()
    this.options = { ...REPLICA_HEALTH_DEFAULTS, ...stripUndefined(options) }
    const timeout = this.options.probeTimeoutMs ?? Math.min(5_000, Math.max(1_000, 2 * this.options.intervalMs))
    this.frontier = new WalFrontier(Math.max(60_000, 4 * this.options.maxLagMs))
    this.nodes = entries.map((e) => ({
      name: e.name,
      role: e.role,
      probe: new NodeProbe(e.name, probeConnection(e.pool, e.name), timeout),
      // The primary has nowhere else for writes to go: it is back as soon as it answers.
      rotation: new Rotation(this.options.unhealthyThreshold, e.role === 'primary' ? 1 : this.options.healthyThreshold),
      reading: undefined,
      replayLsn: undefined,
      lagBytes: null,
      lagMs: null,
      latencyEwma: undefined,
      suspect: false,
      suspectSince: 0
    }))
  }

  /** Runs a first round (awaited) and then one every `intervalMs` until `stop()`. Idempotent. */
  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    for (const n of this.nodes) n.probe.reopen()
    await this.refresh()
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    for (const n of this.nodes) n.probe.close()
  }

  get isRunning (): boolean {
    return this.running
  }

  /** One health round now (rounds never overlap: a caller during a round waits for it). */
  refresh (): Promise<void> {
    this.round ??= this.check().finally(() => { this.round = undefined })
    return this.round
  }

  /** The latest readings of every replica (SPEC §4). */
  checkReplicationLag (): ReplicaStatus[] {
    return this.nodes.filter((n) => n.role === 'replica').map((n) => replicaStatus(n))
  }

  primaryStatus (): PrimaryStatus {
    const n = this.primaryNode()
    const r = n.reading
    const out: PrimaryStatus = {
      name: n.name,
      state: primaryState(n),
      up: r?.ok ?? null,
      currentLsn: this.frontier.latest() ?? null,
      latencyMs: r?.latencyMs ?? null,
      lastCheckAt: r === undefined ? null : new Date(r.at).toISOString()
    }
    if (r?.error !== undefined) out.error = r.error
    return out
  }

  primaryState (): PrimaryState {
    return primaryState(this.primaryNode())
  }

  /**
   * Replicas that may serve a read now: in the rotation (or not yet checked), not suspect, and —
   * when `minLsn` is given — known to have replayed at least that far.
   */
  eligible (minLsn?: string): string[] {
    const out: string[] = []
    for (const n of this.nodes) {
      if (n.role !== 'replica' || n.suspect || n.rotation.state === 'out') continue
      if (minLsn !== undefined && !lsnReached(n.replayLsn, minLsn)) continue
      out.push(n.name)
    }
    return out
  }

  /**
   * The node replayed to within one health interval of the frontier at its last reading, with
   * replay running: the replica most likely to have caught up with a write just made.
   */
  keepingUp (name: string): boolean {
    const n = this.nodes.find((x) => x.name === name)
    return n !== undefined && n.reading?.replayPaused !== true && (n.lagMs ?? 0) <= this.options.intervalMs
  }

  /** Replicas in the rotation (or not yet checked), regardless of freshness. */
  inRotation (): string[] {
    return this.eligible()
  }

  /** A lower bound of what the node's data reflects (undefined when unknown). */
  replayLsn (name: string): string | undefined {
    return this.nodes.find((n) => n.name === name)?.replayLsn
  }

  /** The latest WAL position the health loop saw anywhere in the cluster. */
  frontierLsn (): string | undefined {
    return this.frontier.latest()
  }

  /** Smoothed probe latency in ms (undefined before the first answer). */
  latency (name: string): number | undefined {
    return this.nodes.find((n) => n.name === name)?.latencyEwma
  }

  /**
   * A node's replay position learnt outside the loop (a freshness check on a read connection).
   * Replay only moves forward, so the later value wins.
   */
  noteReplay (name: string, lsn: string): void {
    const n = this.nodes.find((x) => x.name === name)
    if (n !== undefined && n.role === 'replica') n.replayLsn = maxLsn(n.replayLsn, lsn)
  }

  /** A read failed on `name` with a connection error: route around it until a probe answers. */
  reportConnectionFailure (name: string): void {
    const n = this.nodes.find((x) => x.name === name)
    if (n === undefined || n.role !== 'replica' || n.suspect) return
    n.suspect = true
    n.suspectSince = Date.now()
    if (this.running) void this.refresh()
  }

  private schedule (): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => { this.schedule() })
    }, this.options.intervalMs)
    this.timer.unref()
  }

  private primaryNode (): Tracked {
    return this.nodes[0] as Tracked
  }

  private async check (): Promise<void> {
    const started = performance.now()
    const readings = await Promise.all(this.nodes.map(async (n) => await n.probe.read()))
    // Stopped during the round: its readings say nothing about the nodes.
    if (readings.some((r) => r.error === STOPPED)) return
    const now = Date.now()
    let frontier: string | undefined
    this.nodes.forEach((n, i) => {
      const r = readings[i] as NodeReading
      n.reading = r
      if (r.ok && r.latencyMs !== null) n.latencyEwma = n.latencyEwma === undefined ? r.latencyMs : n.latencyEwma + EWMA_ALPHA * (r.latencyMs - n.latencyEwma)
      frontier = maxLsn(frontier, maxLsn(r.currentLsn, r.receiveLsn))
    })
    const primaryAt = this.primaryNode().reading?.at ?? now
    this.frontier.record(primaryAt, frontier)

    for (const n of this.nodes) {
      const r = n.reading as NodeReading
      let verdict: Verdict
      if (n.role === 'primary') {
        verdict = !r.ok ? { good: false, reason: 'unreachable' } : r.inRecovery === true ? { good: false, reason: 'read-only', immediate: true } : { good: true }
      } else {
        if (r.ok && r.inRecovery === true) {
          n.replayLsn = r.replayLsn
          n.lagBytes = this.frontier.lagBytes(n.replayLsn)
          n.lagMs = this.frontier.lagMs(n.replayLsn, now)
        }
        verdict = !r.ok
          ? { good: false, reason: 'unreachable' }
          : r.inRecovery !== true
            ? { good: false, reason: 'promoted', immediate: true }
            : (n.lagMs ?? 0) > this.options.maxLagMs ? { good: false, reason: 'lagging' } : { good: true }
        // A round already in flight may carry a reading from before the failure.
        if (r.ok && r.at > n.suspectSince) n.suspect = false
        if (!r.ok) {
          n.lagMs = n.lagBytes = null
          // Whatever answers next at this address is not known to have replayed anything.
          n.replayLsn = undefined
        }
      }
      const from = n.role === 'primary' ? primaryState(n) : replicaState(n)
      const moved = n.rotation.apply(verdict)
      if (moved !== undefined || (n.role === 'primary' && primaryState(n) !== from)) this.announce(n, from, moved)
    }
    this.safeEmit('check', { at: new Date(now).toISOString(), durationMs: Math.round(performance.now() - started) })
  }

  /**
   * A throwing listener must neither stop the round nor reject the (unawaited) refresh, which
   * would crash the process: it is reported as a process warning instead.
   */
  private safeEmit<K extends keyof ReplicaManagerEvents> (event: K, ...args: ReplicaManagerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ReplicaManagerEvents[K]) => boolean)(event, ...args)
    } catch (err) {
      process.emitWarning(`a replica manager '${String(event)}' listener threw: ${(err as Error).message}`, 'GatewayListenerWarning')
    }
  }

  private announce (n: Tracked, from: ReplicaState | PrimaryState, moved: Transition | undefined): void {
    const to = n.role === 'primary' ? primaryState(n) : replicaState(n)
    const change: NodeStateChange = { node: n.name, role: n.role, from, to, at: new Date().toISOString() }
    const reason = moved?.reason ?? n.rotation.reason
    if (reason !== undefined && to !== 'in-rotation' && to !== 'up') change.reason = reason
    this.safeEmit('stateChange', change)
  }
}

function replicaState (n: Tracked): ReplicaState {
  return n.rotation.state === 'in' ? 'in-rotation' : n.rotation.state === 'out' ? 'out-of-rotation' : 'unknown'
}

function primaryState (n: Tracked): PrimaryState {
  if (n.rotation.state === 'unknown') return 'unknown'
  if (n.rotation.state === 'in') return 'up'
  return n.rotation.reason === 'read-only' ? 'read-only' : 'down'
}

function replicaStatus (n: Tracked): ReplicaStatus {
  const r = n.reading
  const out: ReplicaStatus = {
    name: n.name,
    state: replicaState(n),
    up: r?.ok ?? null,
    inRecovery: r?.inRecovery ?? null,
    lagBytes: n.lagBytes,
    lagMs: n.lagMs,
    receiveLsn: r?.receiveLsn ?? null,
    replayLsn: n.replayLsn ?? null,
    replayPaused: r?.replayPaused ?? null,
    latencyMs: r?.latencyMs ?? null,
    lastCheckAt: r === undefined ? null : new Date(r.at).toISOString()
  }
  const reason = n.rotation.state === 'out' ? n.rotation.reason : n.suspect ? 'suspect' : undefined
  if (reason !== undefined) out.reason = reason
  if (r?.error !== undefined) out.error = r.error
  return out
}

function stripUndefined<T extends object> (o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
