/**
 * The partitioned tables the gateway maintains, declared once (SPEC §3; sql/003, sql/007).
 * Monthly and daily tables are RANGE-partitioned on a timestamptz column in UTC periods named
 * `<table>_pYYYYMM` / `<table>_pYYYYMMDD`; hash tables are reported, never changed.
 */
export interface MonthlyTable {
  kind: 'monthly'
  name: string
  column: string
  /** The DEFAULT partition, when the table has one. */
  defaultPartition?: string
  premakeMonths: number
  retentionMonths: number
}

export interface DailyTable {
  kind: 'daily'
  name: string
  column: string
  premakeDays: number
  retentionDays: number
}

export interface HashTable { kind: 'hash'; name: string; column: string }

export type PartitionedTable = MonthlyTable | DailyTable | HashTable

export interface RetentionSettings {
  PARTITION_PREMAKE_MONTHS: number
  RETENTION_NOTIFICATIONS_MONTHS: number
  RETENTION_AUDIT_LOGS_MONTHS: number
  METRICS_RETENTION_DAYS: number
}

/** The configuration schema's defaults (src/config/schema.ts), for library clients without one. */
export const RETENTION_DEFAULTS: RetentionSettings = {
  PARTITION_PREMAKE_MONTHS: 3, RETENTION_NOTIFICATIONS_MONTHS: 12, RETENTION_AUDIT_LOGS_MONTHS: 24, METRICS_RETENTION_DAYS: 7
}

/** The gateway's own time series: the `cleanup-metrics` task maintains them, `partitions` the others. */
export const METRICS_TABLES: readonly string[] = ['gateway_metrics_minute']

export function gatewayTables (c: RetentionSettings = RETENTION_DEFAULTS): PartitionedTable[] {
  return [
    { kind: 'monthly', name: 'notifications', column: 'created_at', defaultPartition: 'notifications_default', premakeMonths: c.PARTITION_PREMAKE_MONTHS, retentionMonths: c.RETENTION_NOTIFICATIONS_MONTHS },
    { kind: 'monthly', name: 'audit_logs', column: 'created_at', defaultPartition: 'audit_logs_default', premakeMonths: c.PARTITION_PREMAKE_MONTHS, retentionMonths: c.RETENTION_AUDIT_LOGS_MONTHS },
    { kind: 'daily', name: 'gateway_metrics_minute', column: 'minute', premakeDays: 2, retentionDays: c.METRICS_RETENTION_DAYS },
    { kind: 'hash', name: 'activity_events', column: 'user_id' }
  ]
}
