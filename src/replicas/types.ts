/** Public shapes of the replica manager (SPEC §6 Routing; §4 `replicaManager.checkReplicationLag()`). */

export interface ReplicaHealthOptions {
  /** Time between health rounds (REPLICA_HEALTH_INTERVAL_MS). */
  intervalMs: number
  /** A replica further behind than this leaves the rotation (REPLICA_MAX_LAG_MS). */
  maxLagMs: number
  /** Consecutive bad readings before a node leaves the rotation (REPLICA_UNHEALTHY_THRESHOLD). */
  unhealthyThreshold: number
  /** Consecutive good readings before it returns (REPLICA_HEALTHY_THRESHOLD). */
  healthyThreshold: number
  /** Bound on one probe; default: twice the interval, between 1 and 5 seconds. */
  probeTimeoutMs?: number
}

export const REPLICA_HEALTH_DEFAULTS: ReplicaHealthOptions = {
  intervalMs: 1_000,
  maxLagMs: 5_000,
  unhealthyThreshold: 2,
  healthyThreshold: 3
}

export type ReplicaState = 'unknown' | 'in-rotation' | 'out-of-rotation'
export type PrimaryState = 'unknown' | 'up' | 'down' | 'read-only'

export interface ReplicaStatus {
  name: string
  state: ReplicaState
  /** Why it is out: 'unreachable', 'lagging', 'promoted' (no longer in recovery), 'suspect'. */
  reason?: string
  /** The last probe answered. */
  up: boolean | null
  inRecovery: boolean | null
  lagBytes: number | null
  lagMs: number | null
  receiveLsn: string | null
  replayLsn: string | null
  replayPaused: boolean | null
  latencyMs: number | null
  /** ISO time of the last probe. */
  lastCheckAt: string | null
  error?: string
}

export interface PrimaryStatus {
  name: string
  state: PrimaryState
  up: boolean | null
  currentLsn: string | null
  latencyMs: number | null
  lastCheckAt: string | null
  error?: string
}

/** Emitted on every rotation change (and logged by the replicas plugin; metrics come later). */
export interface NodeStateChange {
  node: string
  role: 'primary' | 'replica'
  from: ReplicaState | PrimaryState
  to: ReplicaState | PrimaryState
  reason?: string
  at: string
}

export interface ReplicaManagerEvents {
  stateChange: [NodeStateChange]
  /** After each health round. */
  check: [{ at: string; durationMs: number }]
}
