/**
 * The library client (SPEC §4): named pools, model delegates per consistency level, transactions,
 * a raw query escape hatch, health. Framework-agnostic: the Fastify plugins only construct it.
 *
 * Events: 'query' (QueryEvent, one per statement run on behalf of a caller) and 'poolError'
 * ({ node, error }: an idle connection failed; also logged).
 */
import { EventEmitter } from 'node:events'
import type pg from 'pg'
import { maskUrl } from '../config/database.js'
import { currentContext } from '../context/request-context.js'
import type { ModelDef } from '../models/registry.js'
import { PoolRegistry, type ExternalPools } from '../pools/pool-registry.js'
import { maxLsn } from '../replicas/lsn.js'
import { ReplicaManager } from '../replicas/replica-manager.js'
import { Monitor } from '../monitoring/monitor.js'
import { attachClientCache, type ClientCache } from '../cache/client-cache.js'
import { collectIndexHealth, type IndexHealthOptions, type IndexHealthReport } from '../optimizer/index-health/index.js'
import { MaintenanceRunner, type MaintenanceJob } from '../maintenance/index.js'
import { PartitionManager, gatewayTables, METRICS_TABLES } from '../partitions/index.js'
import type { PerformanceMetrics, SlowQueryGroup } from '../monitoring/types.js'
import type { PerformanceReport } from '../monitoring/report.js'
import type { ReplicaHealthOptions } from '../replicas/types.js'
import { explainStatement, type ExplainInput, type ExplainOptions, type ExplainResult } from '../optimizer/explain/index.js'
import { IndexAdvisor } from '../optimizer/advisor/advisor.js'
import type { AnalysisResult } from '../optimizer/advisor/types.js'
import { readCommitLsn, readInsertLsn } from './commit-lsn.js'
import { DatabaseSession, checkConsistency, honouringConsistency, withConsistency } from './consistency.js'
import { WRITE_OPERATIONS, updatedFields, createDelegates, createOperationHandler, type OperationHandler } from './delegates.js'
import { execute } from './executor.js'
import { checkHealth, probeNode, type DatabaseHealth } from './health.js'
import { HealthAwareRouter } from './health-aware-router.js'
import { defaultLogger, type ClientLogger } from './logger.js'
import { codedError, failureReason } from './pg-errors.js'
import { ReadPath, standbyCanRun } from './read-path.js'
import type { NodeName, ReadRouter } from './read-router.js'
import { InFlight, createStrategy } from './read-strategies.js'
import { runTransaction, type TransactionClient, type TransactionOptions } from './transaction.js'
import type { CommitEvent, ConsistencyOptions, DatabaseConfig, ModelDelegates, QueryEvent, WriteRecord } from './types.js'

export interface ClientOptions {
  /** Pools owned by the caller; the client uses them and never ends them. */
  pools?: ExternalPools
  logger?: ClientLogger
  /** Read node selection; by default the replica manager's view with `config.readStrategy`. */
  readRouter?: ReadRouter
  /** Replica health loop settings; override `config.replicaHealth`. */
  replicaHealth?: Partial<ReplicaHealthOptions>
}

export interface RawQueryOptions {
  /** 'primary' (default) or 'read' (the node the read router picks). */
  target?: 'primary' | 'read'
  /** For `target: 'read'`: how fresh the answer must be. */
  consistency?: ConsistencyOptions
}

export interface ClientEvents {
  query: [QueryEvent]
  commit: [CommitEvent]
  poolError: [{ node: string; error: Error }]
}

export class OptimizedDatabaseClient extends EventEmitter<ClientEvents> {
  readonly config: DatabaseConfig
  readonly pools: PoolRegistry
  /** Reads and writes on the primary (read-your-writes). */
  readonly primary: ModelDelegates
  /** Reads on the node the read router picks; writes still go to the primary. */
  readonly read: ModelDelegates
  /**
   * Reads through the cache. By design of the client issue this is a plain read-through to
   * `read` for now: `ttl` and `tags` are accepted and ignored until the cache layer wraps
   * `cachedHandler` (SPEC §9).
   */
  readonly cached: ModelDelegates
  /** Health, lag and rotation of every node (SPEC §4 `replicaManager.checkReplicationLag()`). */
  readonly replicaManager: ReplicaManager
  /** Metrics, windows and roll-ups (src/monitoring); `config.monitoring.enabled: false` keeps it idle. */
  readonly monitor: Monitor
  /** Workload recording and index advice (src/optimizer/advisor); records only while monitoring is enabled. */
  readonly advisor: IndexAdvisor
  /** Partition maintenance of the primary (src/partitions), over `config.maintenance.tables`. */
  readonly partitions: PartitionManager
  /** Maintenance jobs (src/maintenance): recorded, one at a time across instances. */
  readonly maintenance: MaintenanceRunner
  private readonly logger: ClientLogger
  private router: ReadRouter
  private readonly readPath: ReadPath
  /** The highest WAL position this client knows the primary has committed. */
  private knownLsn: string | undefined
  private cachedHandler: OperationHandler
  private readonly commitHooks: Array<(event: CommitEvent) => Promise<void> | void> = []
  private closed = false
  private cacheLayers = 0
  private ownCache: ClientCache | undefined

  constructor (config: DatabaseConfig, options: ClientOptions = {}) {
    super()
    this.config = config
    this.logger = options.logger ?? defaultLogger
    const onPoolError = (node: string, error: Error): void => {
      this.logger.error({ node, err: error.message }, 'idle database connection failed')
      this.emit('poolError', { node, error })
    }
    this.pools = options.pools
      ? PoolRegistry.fromPools(options.pools, onPoolError)
      : PoolRegistry.fromConfig(config, onPoolError)
    this.replicaManager = new ReplicaManager(this.pools.all(), { ...config.replicaHealth, ...options.replicaHealth })
    this.monitor = new Monitor(this, {
      enabled: config.monitoring?.enabled ?? true,
      slowQueryThresholdMs: config.monitoring?.slowQueryThresholdMs,
      instance: config.monitoring?.instance,
      alertWindowSeconds: config.monitoring?.alertWindowSeconds,
      logger: this.logger
    })
    this.advisor = new IndexAdvisor(this, { ...config.optimizer, instance: config.monitoring?.instance, logger: this.logger })
    const m = config.maintenance ?? {}
    this.partitions = new PartitionManager(this.pools.primary, {
      tables: m.tables ?? gatewayTables(), lockTimeoutMs: m.lockTimeoutMs, archiveSchema: m.archiveSchema, logger: this.logger
    })
    this.maintenance = new MaintenanceRunner({
      pool: this.pools.primary,
      partitions: this.partitions,
      metricsTables: METRICS_TABLES,
      lockTimeoutMs: m.lockTimeoutMs,
      thresholds: m.thresholds,
      instance: this.monitor.instance,
      // Installed later by the query cache (createQueryCache), if ever.
      invalidate: () => this.invalidateCache,
      warm: () => this.warmCache,
      logger: this.logger
    })
    const inFlight = new InFlight()
    this.router = options.readRouter ??
      new HealthAwareRouter(this.replicaManager, createStrategy(config.readStrategy, inFlight, (n) => this.replicaManager.latency(n)))
    this.readPath = new ReadPath({
      pools: this.pools,
      manager: this.replicaManager,
      router: () => this.router,
      inFlight,
      onQuery: this.emitQuery,
      primaryLsn: () => maxLsn(this.knownLsn, this.replicaManager.frontierLsn())
    })

    const onPrimary = (q: { text: string; values: unknown[] }, model: ModelDef) => this.run('primary', q.text, q.values, model)
    const onWrite = (q: { text: string; values: unknown[] }, model: ModelDef) => {
      this.assertWritable()
      return this.run('primary', q.text, q.values, model)
    }
    const onRead = (q: { text: string; values: unknown[] }, model: ModelDef) => {
      this.assertOpen()
      return this.readPath.run(q.text, q.values, model)
    }
    const primaryHandler = honouringConsistency(this.announcingWrites(createOperationHandler({ read: onPrimary, write: onWrite })))
    const readHandler = this.announcingWrites(createOperationHandler({ read: onRead, write: onWrite }))
    this.cachedHandler = readHandler
    this.primary = createDelegates(primaryHandler)
    this.read = createDelegates(honouringConsistency(readHandler))
    // Consistency is applied outside the cache layer, so the cache sees it in the context.
    this.cached = createDelegates(honouringConsistency((model, op, args) => this.cachedHandler(model, op, args)))
  }

  /**
   * Checks that the primary answers (failure → GW_ERR_DB_UNAVAILABLE); replicas that do not answer
   * are logged, not fatal. Then starts the replica health loop (first round awaited; `close()`
   * stops it).
   */
  async connect (): Promise<void> {
    this.assertOpen()
    const [primary, ...replicas] = this.pools.all()
    const result = await probeNode(primary!, this.config.pool.connectionTimeoutMillis + 1_000)
    if (!result.up) {
      this.logger.error({ node: 'primary', url: maskUrl(this.config.primaryUrl), reason: result.error }, 'primary database did not answer')
      throw codedError('GW_ERR_DB_UNAVAILABLE', `Cannot reach the primary database: ${result.error ?? 'no answer'}`, { node: 'primary' })
    }
    await Promise.all(replicas.map(async (entry) => {
      const r = await probeNode(entry, this.config.pool.connectionTimeoutMillis + 1_000)
      if (!r.up) this.logger.warn({ node: entry.name, reason: r.error }, 'read replica did not answer')
    }))
    await this.replicaManager.start()
    await this.monitor.start()
    // The client's own cache (createDatabaseConfig's cache settings), unless one is installed already.
    const cache = this.config.cache
    if (cache?.enabled === true && this.cacheLayers === 0 && this.ownCache === undefined) {
      this.ownCache = await attachClientCache(this, cache, this.config.primaryUrl, {
        warn: (o, m) => this.logger.warn(o, m), info: (o, m) => this.logger.info?.(o, m), error: (o, m) => this.logger.error(o, m)
      })
    }
    if (this.monitor.enabled) this.advisor.start()
  }

  /** Ends the pools this client opened (never pools passed in). Idempotent. */
  async close (): Promise<void> {
    this.closed = true
    await this.maintenance.close()
    this.replicaManager.stop()
    await this.ownCache?.close()
    this.advisor.stop()
    await this.monitor.stop()
    await this.pools.close()
  }

  get isClosed (): boolean {
    return this.closed
  }

  nodeNames (): NodeName[] {
    return this.pools.names()
  }

  /**
   * Wraps the handler behind `db.cached` (the cache layer installs itself here, STYLE §10).
   * The wrapper receives the read handler and returns the one `db.cached` uses.
   */
  useCacheLayer (wrap: (inner: OperationHandler) => OperationHandler): void {
    if (this.ownCache !== undefined) {
      throw codedError('GW_ERR_CONFIG', 'This client built its own cache from createDatabaseConfig() (CACHE_ENABLED, REDIS_URL, CACHE_*); pass { cache: false } to createDatabaseConfig to install one with createQueryCache')
    }
    this.cachedHandler = wrap(this.cachedHandler)
    this.cacheLayers++
  }

  /**
   * Runs `hook` after every commit, before the write call returns to its caller (so a cache
   * invalidation is complete before the write is acknowledged). Hooks run in order; a failing hook
   * is logged and never fails the already committed write.
   */
  addCommitHook (hook: (event: CommitEvent) => Promise<void> | void): void {
    this.commitHooks.push(hook)
  }

  /** Replaces node selection for reads (the replica manager installs a health-aware router). */
  useReadRouter (router: ReadRouter): void {
    this.router = router
  }

  /**
   * Raw SQL escape hatch; values are always bound parameters. Primary unless `target: 'read'` (and
   * then only statements a standby can run: locking or writing ones still go to the primary).
   */
  async query<R extends pg.QueryResultRow = any> (text: string, values?: unknown[], opts: RawQueryOptions = {}): Promise<pg.QueryResult<R>> {
    this.assertOpen()
    if (opts.target === 'read' && standbyCanRun(text)) {
      const c = opts.consistency === undefined ? undefined : checkConsistency(opts.consistency)
      const read = () => this.readPath.run(text, values)
      return await (c === undefined ? read() : withConsistency(c, read)) as pg.QueryResult<R>
    }
    if (this.replicaManager.primaryState() === 'down') this.assertWritable()
    return await this.run('primary', text, values) as pg.QueryResult<R>
  }

  /** Runs `fn` in one transaction on one primary connection; rolls back if it throws. */
  async transaction<T> (fn: (tx: TransactionClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.assertOpen()
    if (opts.readOnly !== true) this.assertWritable()
    return await runTransaction(this.pools.primary, this.emitQuery, fn, opts, async (writes, client, lsn) => {
      if (writes.length === 0) return
      const event = await this.commitPosition(writes, client, lsn)
      return () => this.announce(event)
    })
  }

  /** Calls through the session honour its consistency and see its own writes (library read-your-writes). */
  session (opts: ConsistencyOptions = {}): DatabaseSession {
    return new DatabaseSession(this, opts)
  }

  /** The highest WAL position this client has seen committed on the primary. */
  lastKnownLsn (): string | undefined {
    return maxLsn(this.knownLsn, this.replicaManager.frontierLsn())
  }

  /**
   * The primary's current insert position (nothing committed can be beyond it): what a token from
   * another instance is checked against. Undefined when the primary does not answer.
   */
  async primaryInsertLsn (): Promise<string | undefined> {
    try {
      const lsn = await readInsertLsn(this.pools.primary)
      this.knownLsn = maxLsn(this.knownLsn, lsn)
      return lsn
    } catch (err) {
      this.logger.warn({ node: 'primary', reason: failureReason(err, 'primary') }, 'could not read the primary WAL position')
      return undefined
    }
  }

  /**
   * Writes fail fast while the health loop sees the primary down or in recovery, instead of waiting
   * for a connection (or a read-only error) on every request.
   */
  private assertWritable (): void {
    const state = this.replicaManager.primaryState()
    if (state === 'down') throw codedError('GW_ERR_DB_UNAVAILABLE', 'The primary database is unavailable', { node: 'primary' })
    if (state === 'read-only') throw codedError('GW_ERR_PRIMARY_READ_ONLY', 'The primary database is in recovery (read-only)', { node: 'primary' })
  }

  /** Autocommit writes through the delegates announce themselves like a one-statement transaction. */
  private announcingWrites (inner: OperationHandler): OperationHandler {
    return async (model, op, args) => {
      const result = await inner(model, op, args)
      if (WRITE_OPERATIONS.has(op)) await this.committed([{ model, op: op as WriteRecord['op'], row: result as Record<string, unknown> | null, ...updatedFields(op, args) }])
      return result
    }
  }

  /**
   * Reads the primary's WAL position (into the event and the request context), runs the commit
   * hooks, then emits 'commit'. Failures are logged and never fail the (already committed) write.
   */
  private async committed (writes: WriteRecord[]): Promise<void> {
    if (writes.length === 0) return
    await this.announce(await this.commitPosition(writes))
  }

  /** The commit's WAL position (read on `client`, the committing connection, when given). */
  private async commitPosition (writes: WriteRecord[], client?: pg.PoolClient, known?: string): Promise<CommitEvent> {
    const event: CommitEvent = { writes }
    try {
      const lsn = known ?? await readCommitLsn(client ?? this.pools.primary)
      if (lsn !== undefined) {
        event.lsn = lsn
        this.knownLsn = maxLsn(this.knownLsn, lsn)
        const ctx = currentContext()
        if (ctx !== undefined) ctx.lastCommitLsn = maxLsn(ctx.lastCommitLsn, lsn)
      }
    } catch (err) {
      this.logger.error({ node: 'primary', reason: failureReason(err, 'primary') }, 'could not read the WAL position after a commit')
    }
    return event
  }

  /** Runs the commit hooks, then emits 'commit'; failures are logged, never thrown. */
  private async announce (event: CommitEvent): Promise<void> {
    if (event.writes.length === 0) return
    for (const hook of this.commitHooks) {
      try {
        await hook(event)
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'a commit hook failed')
      }
    }
    try {
      this.emit('commit', event)
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, "a 'commit' event listener threw")
    }
  }

  /** Sliding 1/5/15-minute windows of pools, queries, requests and cache, with live pool and replica samples. */
  getPerformanceMetrics (): PerformanceMetrics {
    return this.monitor.getPerformanceMetrics()
  }

  /** The slowest statements of the last `windowMinutes` (default 60), grouped by fingerprint. */
  async getSlowQueries (limit = 10, opts: { windowMinutes?: number } = {}): Promise<SlowQueryGroup[]> {
    return await this.monitor.getSlowQueries(limit, opts.windowMinutes)
  }

  /** The performance report over `period` (`15m`, `1h`, `24h` default, `7d`); render it with renderMarkdown / renderHtml. */
  async generatePerformanceReport (opts: { period?: string } = {}): Promise<PerformanceReport> {
    return await this.monitor.generateReport(opts.period)
  }

  /** Index health over every node (docs/optimizer.md "Index health"); offers statements, runs none. */
  async indexHealth (opts: IndexHealthOptions = {}): Promise<IndexHealthReport> {
    this.assertOpen()
    return await collectIndexHealth(this.pools.all(), opts)
  }

  /**
   * Index suggestions for the workload this client has run (and pg_stat_statements'), validated
   * with hypopg when installed, else estimated from pg_stats. Nothing is built: see `advisor.apply(id)`.
   */
  async analyzePerformance (): Promise<AnalysisResult> {
    return await this.advisor.analyze()
  }

  /**
   * Runs maintenance tasks as one recorded job and resolves with it once finished (per-task status,
   * duration and what was done, or would be for a dry run). Without `tasks`: every task, warm-cache
   * only when a query cache is installed. Throws GW_ERR_MAINTENANCE_RUNNING while a job runs on any
   * instance. See docs/maintenance.md.
   */
  async runMaintenance (tasks?: string[], opts: { dryRun?: boolean } = {}): Promise<MaintenanceJob> {
    this.assertOpen()
    return await this.maintenance.run(tasks, { dryRun: opts.dryRun ?? false, requestedBy: 'library' })
  }

  /** The `partitions` task alone: premake, empty the default partitions, retention (docs/partitions.md). */
  async cleanupPartitions (opts: { dryRun?: boolean } = {}): Promise<MaintenanceJob> {
    return await this.runMaintenance(['partitions'], opts)
  }

  getDatabaseHealth (timeoutMs?: number): Promise<DatabaseHealth> {
    return checkHealth(this.pools.all(), timeoutMs)
  }

  /** The plan of a model query or one SQL statement, with findings; never changes a row (docs/optimizer.md). */
  async explain (input: ExplainInput, options: ExplainOptions = {}): Promise<ExplainResult> {
    this.assertOpen()
    return await explainStatement(this, input, options)
  }

  private async run (node: NodeName, text: string, values: unknown[] | undefined, model?: ModelDef): Promise<pg.QueryResult> {
    this.assertOpen()
    const pool = this.pools.get(node)
    if (!pool) throw codedError('GW_ERR_INTERNAL', `The read router picked an unknown node ${JSON.stringify(node)}`, { node })
    return execute(node, pool, text, values, this.emitQuery, model)
  }

  /** Listener failures must not turn a successful query into a failed one. */
  private readonly emitQuery = (event: QueryEvent): void => {
    try {
      this.emit('query', event)
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, "a 'query' event listener threw")
    }
  }

  private assertOpen (): void {
    if (this.closed) throw codedError('GW_ERR_DB_UNAVAILABLE', 'The database client is closed')
  }
}
