/** Package root: the library client and what it needs (SPEC §4 Library). */
export * from './client/index.js'
export { createDatabaseConfig, maskUrl, DATABASE_DEFAULTS, type DatabaseConfigInput } from './config/database.js'
export { PoolRegistry, createPool, poolOptions, gatewayTypes, type ExternalPools, type PoolEntry, type NodeRole } from './pools/index.js'
export { compileCount, compileCreate, compileDelete, compileFindFirst, compileFindMany, compileFindUnique, compileUpdate, MAX_TAKE, type CompiledQuery } from './query/compile.js'
export { models, modelNames, getModel, type ModelDef, type ModelName, type FieldDef, type ColumnType } from './models/registry.js'
export type * from './models/types.js'
export { errors, gatewayError, isGatewayError, type ErrorCode, type GatewayError } from './errors.js'
