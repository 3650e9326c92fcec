/**
 * Index advice (docs/optimizer.md, "Index advice"): the workload, suggestions validated with
 * hypopg or estimated from pg_stats, apply-and-verify. `new IndexAdvisor(client, options)`, or the
 * client's own `db.advisor` / `db.analyzePerformance()`.
 */
export { IndexAdvisor, type AdvisedClient, type AdvisorLogger, type ScheduledRun } from './advisor.js'
export { WorkloadRecorder, type FingerprintCounters, type WorkloadSource } from './workload.js'
export { queryShape } from './shape.js'
export { candidatesFor, coveredBy, createStatement, indexName, suggestionId } from './candidates.js'
export { buildIndex, dropInvalidIndex, dropStatement } from './build.js'
export { ADVISOR_DEFAULTS } from './types.js'
export type * from './types.js'
