/**
 * The load scenarios (issue 7 item 1), one table. Each builds an autocannon `requests` list from
 * the dataset; ids are drawn per request in `setupRequest`, from a stream seeded per run so every
 * target of one round sees the same sequence.
 */
import type autocannon from 'autocannon'
import type { Dataset, StatusMove } from './dataset.js'
import { rng, uniform, weighted, zipf, type Sampler } from './sampler.js'
import type { TargetName } from './targets.js'

export interface ScenarioContext {
  data: Dataset
  seed: number
  /** The next application status move, or undefined when none are left (each is made once). */
  takeMove: () => StatusMove | undefined
}

export interface Scenario {
  name: string
  summary: string
  /** The targets that serve every request of the scenario (the bench runs it on these). */
  targets: readonly TargetName[]
  /** Overrides --connections. */
  connections?: number
  /** Invalidate the users tag after the warm-up, so the run starts with no user cached. */
  coldCache?: boolean
  requests: (ctx: ScenarioContext) => autocannon.Request[]
}

type Req = autocannon.Request
interface TokenContext { token?: string }
const JSON_HEADERS = { 'content-type': 'application/json' }

const USER_QUERY = 'query User($id: ID!) { user(id: $id) { id email name } }'
const NESTED_QUERY = 'query Nested($id: ID!, $first: Int) { user(id: $id) { id name applications(first: $first) { items { id status recommendations { id status } } } } }'

/** A GET whose path is drawn per request; it sends (once) the token a previous write left in the context. */
function get (path: () => string): Req {
  return {
    method: 'GET',
    setupRequest: (req, context) => {
      const c = context as TokenContext
      if (c.token === undefined) return { ...req, path: path() }
      const headers = { ...req.headers, 'x-consistency-token': c.token }
      c.token = undefined
      return { ...req, path: path(), headers }
    }
  }
}

/** A write whose response's X-Consistency-Token the same connection sends on its next read. */
function write (method: 'PATCH' | 'POST', next: () => { path: string; body: unknown }): Req {
  return {
    method,
    headers: JSON_HEADERS,
    setupRequest: (req) => {
      const { path, body } = next()
      return { ...req, path, body: JSON.stringify(body) }
    },
    onResponse: (_status, _body, context, headers) => {
      const token = headerOf(headers, 'x-consistency-token')
      if (token !== undefined) (context as TokenContext).token = token
    }
  }
}

function headerOf (headers: Req['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v
  return undefined
}

function graphql (operationName: string, query: string, variables: () => Record<string, unknown>): Req {
  return {
    method: 'POST',
    path: '/graphql',
    headers: JSON_HEADERS,
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ operationName, query, variables: variables() }) })
  }
}

// Samplers are built once per dataset (the Zipf table over 100k ids is worth keeping).
const samplers = new WeakMap<Dataset, { uniformUser: Sampler<number>; hotUser: Sampler<number>; term: Sampler<string> }>()
function samplersOf (data: Dataset) {
  let s = samplers.get(data)
  if (!s) {
    s = { uniformUser: uniform(data.userIds), hotUser: zipf(data.userIds, 1), term: uniform(data.searchTerms) }
    samplers.set(data, s)
  }
  return s
}

let nameCounter = 0

/** The reads of `mixed` (and of `mixed-reads`, the same reads without writes). */
function mixedReads (ctx: ScenarioContext, random: () => number): () => string {
  const { hotUser, term } = samplersOf(ctx.data)
  const kind = weighted({ user: 50, applications: 20, notifications: 15, universities: 15 })
  return () => {
    switch (kind(random)) {
      case 'user': return `/users/${hotUser(random)}`
      case 'applications': return `/users/${hotUser(random)}/applications?limit=20`
      case 'notifications': return `/users/${hotUser(random)}/notifications?limit=20`
      default: return `/universities?search=${encodeURIComponent(term(random))}&limit=20`
    }
  }
}

const SLOTS = 20
/** Writes sit in slots 4 and 14 of 20: 10 %, never last (autocannon clears the context when the list wraps). */
const WRITE_SLOTS = new Set([4, 14])

function patchUser (ctx: ScenarioContext, random: () => number, pick: Sampler<number>) {
  return () => ({ path: `/users/${pick(random)}`, body: { name: `bench ${process.pid}-${nameCounter++}` } })
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'user-by-id',
    summary: 'GET /users/:id, ids uniform over the table (cache starts cold)',
    targets: ['gateway', 'gateway-nomon', 'gateway-2hit', 'gateway-l1', 'gateway-off', 'fastify-pg'],
    coldCache: true,
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { uniformUser } = samplersOf(ctx.data)
      return [get(() => `/users/${uniformUser(random)}`)]
    }
  },
  {
    name: 'hot-set',
    summary: 'GET /users/:id, Zipf s=1 over the table (hot ids spread by a shuffled mapping)',
    targets: ['gateway', 'gateway-nomon', 'gateway-pubsub', 'gateway-2hit', 'gateway-l1', 'gateway-off', 'fastify-redis', 'static'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { hotUser } = samplersOf(ctx.data)
      return [get(() => `/users/${hotUser(random)}`)]
    }
  },
  {
    name: 'universities-search',
    summary: 'GET /universities?search=<substring of a real name>&limit=20 (ILIKE)',
    targets: ['gateway', 'gateway-off', 'fastify-pg'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { term } = samplersOf(ctx.data)
      return [get(() => `/universities?search=${encodeURIComponent(term(random))}&limit=20`)]
    }
  },
  {
    name: 'graphql-user',
    summary: 'POST /graphql { user(id) { id email name } }, ids uniform',
    targets: ['gateway', 'gateway-off', 'fastify-pg'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { uniformUser } = samplersOf(ctx.data)
      return [graphql('User', USER_QUERY, () => ({ id: String(uniformUser(random)) }))]
    }
  },
  {
    name: 'graphql-nested',
    summary: 'POST /graphql user → applications(first: 10) → recommendations, ids uniform',
    targets: ['gateway', 'gateway-off', 'fastify-pg'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { uniformUser } = samplersOf(ctx.data)
      return [graphql('Nested', NESTED_QUERY, () => ({ id: String(uniformUser(random)), first: 10 }))]
    }
  },
  {
    name: 'mixed',
    summary: '90 % reads (users Zipf, their applications/notifications, universities search) / 10 % writes (PATCH /users/:id, POST /events); a write\'s X-Consistency-Token goes with the next read',
    targets: ['gateway', 'gateway-pubsub', 'gateway-off'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { hotUser } = samplersOf(ctx.data)
      const read = mixedReads(ctx, random)
      const patch = patchUser(ctx, random, hotUser)
      const ingest = () => ({
        path: '/events',
        body: { events: Array.from({ length: 10 }, () => ({ userId: hotUser(random), kind: 'bench.view', payload: { n: nameCounter++ } })) }
      })
      let w = 0
      return Array.from({ length: SLOTS }, (_, i) => WRITE_SLOTS.has(i)
        ? (w++ % 2 === 0 ? write('PATCH', patch) : write('POST', ingest))
        : get(read))
    }
  },
  {
    name: 'mixed-reads',
    summary: 'the reads of mixed alone (no writes): the hit rate writes are compared against',
    targets: ['gateway'],
    requests: (ctx) => [get(mixedReads(ctx, rng(ctx.seed)))]
  },
  {
    name: 'write-heavy',
    summary: 'PATCH /users/:id (name, ids uniform) alternating with PATCH /applications/:id (one valid status move each)',
    targets: ['gateway', 'gateway-off', 'fastify-pg'],
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { uniformUser } = samplersOf(ctx.data)
      const patch = patchUser(ctx, random, uniformUser)
      return [
        write('PATCH', patch),
        write('PATCH', () => {
          const move = ctx.takeMove()
          return move ? { path: `/applications/${move.id}`, body: { status: move.to } } : patch()
        })
      ]
    }
  },
  {
    name: 'connections',
    summary: 'user-by-id with 500 concurrent connections',
    targets: ['gateway', 'gateway-off', 'fastify-pg'],
    connections: 500,
    requests: (ctx) => {
      const random = rng(ctx.seed)
      const { uniformUser } = samplersOf(ctx.data)
      return [get(() => `/users/${uniformUser(random)}`)]
    }
  }
]

/** The seed of one scenario's stream in one round: the same for every target, different per scenario. */
export function seedFor (name: string, round: number): number {
  let h = 2166136261
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619)
  return ((h >>> 0) + round * 7919) >>> 0
}

export function scenario (name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name)
  if (!s) throw new Error(`unknown scenario "${name}"; one of: ${SCENARIOS.map((x) => x.name).join(', ')}`)
  return s
}
