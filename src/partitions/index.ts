/** Partition maintenance (docs/partitions.md). */
export { PartitionManager, PARTITION_MAINTENANCE_LOCK, type MaintenanceRun, type StepResult, type PartitionView, type PartitionManagerOptions } from './manager.js'
export { gatewayTables, METRICS_TABLES, RETENTION_DEFAULTS, type PartitionedTable, type MonthlyTable, type DailyTable, type HashTable } from './tables.js'
export { partitionsOverview, overviewSummary, type TableOverview } from './overview.js'
