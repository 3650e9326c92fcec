/** Maintenance jobs (docs/maintenance.md). */
export { MaintenanceRunner, MAINTENANCE_JOB_LOCK, type MaintenanceRunnerOptions, type StartOptions } from './runner.js'
export { JobStore } from './job-store.js'
export { GATEWAY_VIEWS, viewRefreshedAt, type MaterializedView } from './views.js'
export { SELECTION_DEFAULTS, type SelectionThresholds } from './vacuum.js'
export { MAINTENANCE_TASKS, isTaskName, type TaskName, type TaskItem, type TaskResult, type TaskStatus, type JobStatus, type MaintenanceJob } from './types.js'
