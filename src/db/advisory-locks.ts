/**
 * Every PostgreSQL advisory-lock key the gateway takes, in one table: the keys are shared by all
 * instances of the gateway, and two features picking the same number would block each other
 * (an index build and a maintenance job once did). Add new ones here.
 */
export const ADVISORY_LOCKS = {
  /** src/db/migrate.ts: one migrator at a time. */
  migrations: 7_402_113_001,
  /** src/monitoring/rollups.ts: creating roll-up day partitions. */
  rollupPartitions: 7_402_113_008,
  /** src/monitoring/alerts/evaluation.ts: one alert evaluation per interval. */
  alertEvaluation: 7_402_113_009,
  /** src/partitions/manager.ts: one partition-maintenance run. */
  partitionMaintenance: 7_402_113_010,
  /** src/maintenance/runner.ts: one maintenance job across instances. */
  maintenanceJob: 7_402_113_012,
  /** src/optimizer/advisor/build.ts: one index build or drop. */
  indexBuild: 7_402_113_013
} as const
