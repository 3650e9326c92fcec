/**
 * The response cache's key for a request, or undefined when the request is not cacheable:
 * GET by URL; GraphQL POST by its query, variables and operation name — queries only, never a
 * mutation (checked on the parsed document, memoized per query text).
 */
import { parse, type DocumentNode } from 'graphql'
import { LRUCache } from 'lru-cache'
import { digest, stableStringify } from './keys.js'
import { acceptsGraphqlResponse, GRAPHQL_RESPONSE } from '../util/media-type.js'

export interface ReplayableRequest { method: 'GET' | 'POST'; url: string; body?: string; accept?: string }

interface RequestLike { method: string; url: string; body?: unknown; headers?: { accept?: string | string[] | undefined } }

/** Keyed by query text, which may be as long as the body limit: bounded in bytes too (longer texts are not memoized). */
const onlyQueries = new LRUCache<string, boolean>({ max: 1_000, maxSize: 4 * 1024 * 1024, sizeCalculation: (_v, text) => text.length + 1 })

export function isQueryOnly (text: string): boolean {
  let known = onlyQueries.get(text)
  if (known === undefined) {
    let doc: DocumentNode | undefined
    try {
      doc = parse(text)
    } catch {
      doc = undefined
    }
    known = doc !== undefined && doc.definitions.every((d) => d.kind !== 'OperationDefinition' || d.operation === 'query')
    onlyQueries.set(text, known)
  }
  return known
}

/** Approximate bytes a remembered request holds (the hot-request list is bounded by it). */
export const replayableSize = (key: string, r: ReplayableRequest): number => key.length + r.url.length + (r.body?.length ?? 0)

/**
 * GraphQL over HTTP answers `application/graphql-response+json` and `application/json` with
 * different media types (and request-error statuses): a variant of its own, replayed with its Accept.
 */
function variantOf (request: RequestLike): { suffix: string; accept?: string } {
  return acceptsGraphqlResponse(request.headers?.accept) ? { suffix: ':gr', accept: GRAPHQL_RESPONSE } : { suffix: '' }
}

export function responseKey (request: RequestLike): { key: string; request: ReplayableRequest } | undefined {
  const v = variantOf(request)
  const accept = v.accept === undefined ? {} : { accept: v.accept }
  if (request.method === 'GET') return { key: `h:GET:${request.url}${v.suffix}`, request: { method: 'GET', url: request.url, ...accept } }
  if (request.method !== 'POST') return undefined
  const body = request.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined
  if (typeof body?.query !== 'string' || !isQueryOnly(body.query)) return undefined
  const canonical = stableStringify({ query: body.query, variables: body.variables ?? null, operationName: body.operationName ?? null })
  return { key: `h:POST:${request.url}:${digest(canonical)}${v.suffix}`, request: { method: 'POST', url: request.url, body: canonical, ...accept } }
}
