export { PoolRegistry, type ExternalPools, type NodeRole, type PoolEntry, type PoolErrorHandler } from './pool-registry.js'
export { createPool, poolOptions } from './create-pool.js'
export { gatewayTypes } from './type-parsers.js'
