/**
 * The ratios the bench reports (SPEC §7), each a pair of (scenario, target) runs, grouped in the
 * categories of `npm run test:performance -- --category=…`.
 */
import type { TargetName } from './targets.js'

export const CATEGORIES = ['cache', 'queries', 'connections', 'writes', 'graphql', 'mixed', 'monitoring'] as const
export type Category = typeof CATEGORIES[number]

export interface Side { scenario: string; target: TargetName }

export interface Comparison {
  label: string
  category: Category
  num: Side
  den: Side
  /** What is divided: throughput (default) or hit rate. */
  metric?: 'rps' | 'hitRate'
}

const side = (scenario: string, target: TargetName): Side => ({ scenario, target })

export const COMPARISONS: readonly Comparison[] = [
  { category: 'queries', label: 'uncached REST lookup (user-by-id): gateway cache off / Fastify+pg', num: side('user-by-id', 'gateway-off'), den: side('user-by-id', 'fastify-pg') },
  { category: 'queries', label: 'universities search: gateway cache off / Fastify+pg', num: side('universities-search', 'gateway-off'), den: side('universities-search', 'fastify-pg') },
  { category: 'cache', label: 'cache on, cold start (user-by-id uniform) / cache off', num: side('user-by-id', 'gateway'), den: side('user-by-id', 'gateway-off') },
  { category: 'cache', label: 'cache on, second-hit admission, cold start (user-by-id uniform) / cache off', num: side('user-by-id', 'gateway-2hit'), den: side('user-by-id', 'gateway-off') },
  { category: 'cache', label: 'hot-set cached: gateway / Fastify+ioredis', num: side('hot-set', 'gateway'), den: side('hot-set', 'fastify-redis') },
  { category: 'cache', label: 'hot-set cached, pub/sub validation: gateway / Fastify+ioredis', num: side('hot-set', 'gateway-pubsub'), den: side('hot-set', 'fastify-redis') },
  { category: 'cache', label: 'hot-set cached, second-hit admission: gateway / Fastify+ioredis', num: side('hot-set', 'gateway-2hit'), den: side('hot-set', 'fastify-redis') },
  { category: 'cache', label: 'hot-set: cache on / cache off', num: side('hot-set', 'gateway'), den: side('hot-set', 'gateway-off') },
  { category: 'cache', label: 'L1-only hot-set / static', num: side('hot-set', 'gateway-l1'), den: side('hot-set', 'static') },
  { category: 'cache', label: 'universities search: cache on / cache off', num: side('universities-search', 'gateway'), den: side('universities-search', 'gateway-off') },
  { category: 'mixed', label: 'mixed: cache on / cache off', num: side('mixed', 'gateway'), den: side('mixed', 'gateway-off') },
  { category: 'mixed', label: 'mixed: cache on, pub/sub validation / cache off', num: side('mixed', 'gateway-pubsub'), den: side('mixed', 'gateway-off') },
  { category: 'mixed', label: 'mixed hit rate / hit rate of the same reads with no writes', num: side('mixed', 'gateway'), den: side('mixed-reads', 'gateway'), metric: 'hitRate' },
  { category: 'writes', label: 'write-heavy PATCH: gateway / hand-written tx', num: side('write-heavy', 'gateway'), den: side('write-heavy', 'fastify-pg') },
  { category: 'writes', label: 'write-heavy PATCH: gateway cache off / hand-written tx', num: side('write-heavy', 'gateway-off'), den: side('write-heavy', 'fastify-pg') },
  { category: 'graphql', label: 'GraphQL user: gateway / Fastify+pg', num: side('graphql-user', 'gateway'), den: side('graphql-user', 'fastify-pg') },
  { category: 'graphql', label: 'GraphQL user: gateway cache off / Fastify+pg', num: side('graphql-user', 'gateway-off'), den: side('graphql-user', 'fastify-pg') },
  { category: 'graphql', label: 'GraphQL nested (user → applications → recommendations): gateway / Fastify+pg', num: side('graphql-nested', 'gateway'), den: side('graphql-nested', 'fastify-pg') },
  { category: 'monitoring', label: 'monitoring cost, user-by-id: MONITORING_ENABLED=true / false', num: side('user-by-id', 'gateway'), den: side('user-by-id', 'gateway-nomon') },
  { category: 'monitoring', label: 'monitoring cost, hot-set: MONITORING_ENABLED=true / false', num: side('hot-set', 'gateway'), den: side('hot-set', 'gateway-nomon') },
  { category: 'connections', label: 'connections 500 (user-by-id): gateway / Fastify+pg', num: side('connections', 'gateway'), den: side('connections', 'fastify-pg') },
  { category: 'connections', label: 'connections 500 (user-by-id): gateway cache off / Fastify+pg', num: side('connections', 'gateway-off'), den: side('connections', 'fastify-pg') }
]

export function comparisonsFor (categories: readonly string[] | undefined): Comparison[] {
  if (categories === undefined) return [...COMPARISONS]
  for (const c of categories) {
    if (!(CATEGORIES as readonly string[]).includes(c)) throw new Error(`unknown category "${c}"; one of: ${CATEGORIES.join(', ')}`)
  }
  return COMPARISONS.filter((c) => categories.includes(c.category))
}
