/**
 * Public types of the library client. The query language is a small, Prisma-like subset; every
 * name in it is checked against the model registry before SQL is built.
 */
import type { ModelRows } from '../models/types.js'
import type { PartitionedTable } from '../partitions/tables.js'
import type { SelectionThresholds } from '../maintenance/vacuum.js'
import type { ReplicaHealthOptions } from '../replicas/types.js'
import type { AdvisorOptions } from '../optimizer/advisor/types.js'

export type Scalar = string | number | boolean | Date | null

/** Comparison operators on one field. */
export interface FieldFilter {
  equals?: Scalar
  not?: Scalar
  in?: Scalar[]
  notIn?: Scalar[]
  lt?: Scalar
  lte?: Scalar
  gt?: Scalar
  gte?: Scalar
  /** Case-insensitive substring match (ILIKE with escaped wildcards). */
  contains?: string
  startsWith?: string
}

/** `isActive` → `is_active`: the column name, which filters accept too (src/query/identifiers.ts). */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S

export type WhereInput<Row> = {
  [K in keyof Row]?: Scalar | FieldFilter
} & {
  [K in keyof Row as K extends string ? (SnakeCase<K> extends K ? never : SnakeCase<K>) : never]?: Scalar | FieldFilter
} & {
  AND?: WhereInput<Row> | WhereInput<Row>[]
  OR?: WhereInput<Row>[]
  NOT?: WhereInput<Row> | WhereInput<Row>[]
}

export type SortOrder = 'asc' | 'desc'
export type OrderByInput<Row> = { [K in keyof Row]?: SortOrder } | Array<{ [K in keyof Row]?: SortOrder }>
export type SelectInput<Row> = { [K in keyof Row]?: boolean }

export interface FindManyArgs<Row> {
  where?: WhereInput<Row>
  orderBy?: OrderByInput<Row>
  /** Maximum rows; capped by the client at 10 000. */
  take?: number
  /**
   * Keyset cursor: the values of the order-by fields (and the primary key) of the last row seen.
   * Rows strictly after it in the requested order are returned (exclusive, unlike Prisma).
   */
  cursor?: Partial<Row>
  select?: SelectInput<Row>
}

export interface FindUniqueArgs<Row> {
  where: Partial<Row>
  select?: SelectInput<Row>
}

export interface FindFirstArgs<Row> extends Omit<FindManyArgs<Row>, 'take' | 'cursor'> {}

export interface CountArgs<Row> { where?: WhereInput<Row> }

export interface CreateArgs<Row> { data: Partial<Row>; select?: SelectInput<Row> }
export interface UpdateArgs<Row> { where: Partial<Row>; data: Partial<Row>; select?: SelectInput<Row> }
export interface DeleteArgs<Row> { where: Partial<Row>; select?: SelectInput<Row> }

/** Per-call cache options of `db.cached.<model>` (honoured by the cache issue; read-through for now). */
export interface CacheCallOptions { ttl?: number; tags?: string[] }

/** Read consistency (SPEC §6): at least `minLsn` fresh (a replica that has replayed it, or the primary), or `strong` (the primary). */
export interface ConsistencyOptions { minLsn?: string; strong?: boolean }

/** Per-call read options: `db.read.users.findMany({ where, consistency: { minLsn } })`. */
export interface ReadCallOptions { consistency?: ConsistencyOptions }

export interface ModelDelegate<Row> {
  findMany (args?: FindManyArgs<Row> & CacheCallOptions & ReadCallOptions): Promise<Row[]>
  findUnique (args: FindUniqueArgs<Row> & CacheCallOptions & ReadCallOptions): Promise<Row | null>
  findFirst (args?: FindFirstArgs<Row> & CacheCallOptions & ReadCallOptions): Promise<Row | null>
  count (args?: CountArgs<Row> & CacheCallOptions & ReadCallOptions): Promise<number>
  create (args: CreateArgs<Row>): Promise<Row>
  /** Returns null when no row matched. */
  update (args: UpdateArgs<Row>): Promise<Row | null>
  /** Returns null when no row matched. */
  delete (args: DeleteArgs<Row>): Promise<Row | null>
}

export type ModelDelegates = { [M in keyof ModelRows]: ModelDelegate<ModelRows[M]> }

/** One executed statement, emitted on the client's 'query' event (monitoring wraps this). */
export interface QueryEvent {
  sql: string
  /** Node name: 'primary' or the replica's name ('replica0', …). */
  node: string
  durationMs: number
  rowCount: number | null
  error?: Error
  /** The bound parameters (slow-query plans are explained with them); absent for parameterless statements. */
  values?: unknown[]
  /** The model the statement was compiled for; absent for raw SQL and transaction control. */
  model?: string
}

/** One row-level change made through the client (raw SQL writes are declared with `tx.markWritten`). */
export interface WriteRecord {
  model: keyof ModelRows
  op: 'create' | 'update' | 'delete' | 'raw'
  /** The row as returned (RETURNING *); null for raw writes or when no row matched. */
  row: Record<string, unknown> | null
  /** Fields an update set (its old values are unknown: lists keyed by them are all invalidated). */
  fields?: string[]
}

/**
 * Emitted once per committed unit of work (an autocommit write, or a transaction after COMMIT):
 * what the cache invalidates and what consistency tokens are built from.
 */
export interface CommitEvent {
  writes: WriteRecord[]
  /** The primary's WAL position after the commit, when known. */
  lsn?: string
}

export interface PoolOptions {
  min: number
  max: number
  idleTimeoutMillis: number
  connectionTimeoutMillis: number
}

export interface DatabaseConfig {
  primaryUrl: string
  readUrls: string[]
  pool: PoolOptions
  readStrategy: 'round-robin' | 'least-connections' | 'latency'
  /** Per-statement timeout in ms applied on every connection (0 = none). */
  statementTimeoutMillis: number
  applicationName: string
  /** Replica health loop settings (defaults: REPLICA_HEALTH_DEFAULTS in src/replicas). */
  replicaHealth?: Partial<ReplicaHealthOptions>
  /** Monitoring (src/monitoring): on by default; MONITORING_ENABLED, SLOW_QUERY_THRESHOLD. */
  monitoring?: MonitoringConfig
  /** Index advisor settings (src/optimizer/advisor; defaults: ADVISOR_DEFAULTS). */
  optimizer?: Partial<AdvisorOptions>
  /**
   * The client's own query cache behind `db.cached`, built by `connect()` (src/cache/client-cache.ts).
   * Set by createDatabaseConfig() from REDIS_URL and CACHE_*; absent (or disabled) when something
   * else installs the cache — the gateway app does, with createQueryCache.
   */
  cache?: CacheConfig
  /** Partition maintenance and maintenance jobs (src/partitions, src/maintenance). */
  maintenance?: MaintenanceConfig
}

export interface CacheConfig {
  enabled: boolean
  /** L2 shared with the servers; without it the cache is in-process only. */
  redisUrl?: string
  keyPrefix: string
  ttlSeconds: number
  staleTtlSeconds: number
  maxMemory: string
  compression: boolean
  redisTimeoutMs: number
  /** LISTEN for the database's change notifications (CACHE_DB_NOTIFY): writers that use neither this client nor the shared Redis. */
  dbNotify: boolean
}

export interface MaintenanceConfig {
  /** The partitioned tables with their retention; default gatewayTables() with the SPEC defaults. */
  tables?: PartitionedTable[]
  /** lock_timeout of every maintenance statement (PARTITION_LOCK_TIMEOUT_MS; default 2000). */
  lockTimeoutMs?: number
  /** Move expired partitions to this schema instead of dropping them (PARTITION_ARCHIVE_SCHEMA). */
  archiveSchema?: string
  /** VACUUM / ANALYZE selection (default SELECTION_DEFAULTS, docs/maintenance.md). */
  thresholds?: Partial<SelectionThresholds>
}

export interface MonitoringConfig {
  enabled: boolean
  /** Statements at least this slow (ms) count as slow queries. */
  slowQueryThresholdMs: number
  /** This process's name in shared monitoring data (default host:pid). */
  instance?: string
  /** Seconds of peak pool usage the alert sample reports (ALERT_EVAL_INTERVAL; default 15). */
  alertWindowSeconds?: number
}
