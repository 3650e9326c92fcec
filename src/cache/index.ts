/** The cache layer's public surface (SPEC §6 Cache, §9). */
export { createQueryCache, QueryCache, MAX_TTL_SECONDS, type QueryCacheOptions, type WarmQuery, type WarmResult, type ReadOperation } from './query-cache.js'
export { TwoTierCache, etagOf, type Fetched, type FetchRequest, type FillStart, type Loaded, type Outcome } from './two-tier-cache.js'
export { RedisStore, type RedisConnection } from './redis-store.js'
export { startTrace, traceOf, type ReadTrace } from './read-trace.js'
export { readTags, writeTags, stableStringify, digest, tableTag, rowTag, modelOfTable } from './keys.js'
export { compress, decompress, DEFAULT_CODEC, type Codec } from './codec.js'
export { parseSize } from './size.js'
export type { CacheStats } from './stats-report.js'
