export { collectIndexHealth, INDEX_HEALTH_DEFAULTS } from './index-health.js'
export type * from './types.js'
