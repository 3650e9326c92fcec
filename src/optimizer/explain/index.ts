/** Plan analysis: `explainStatement` (behind `db.explain` and `POST /admin/explain`) and its shapes. */
export { explainStatement, DEFAULT_EXPLAIN_TIMEOUT_MS, MAX_EXPLAIN_TIMEOUT_MS, type ExplainDeps } from './explain.js'
export { EXPLAIN_THRESHOLDS, type ExplainThresholds } from './thresholds.js'
export { VOLATILE_ALLOWED } from './volatility.js'
export type { RefusalReason } from './statement-facts.js'
export { MAX_SQL_LENGTH } from './statement.js'
export * from './types.js'
