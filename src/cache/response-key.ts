/**
 * The response cache's key for a request, or undefined when the request is not cacheable:
 * GET by URL; GraphQL POST by its query, variables and operation name — queries only, never a
 * mutation (checked on the parsed document, memoized per query text).
 */
import { parse, type DocumentNode } from 'graphql'
import { LRUCache } from 'lru-cache'
import { digest, stableStringify } from './keys.js'

export interface ReplayableRequest { method: 'GET' | 'POST'; url: string; body?: string }

interface RequestLike { method: string; url: string; body?: unknown }

const onlyQueries = new LRUCache<string, boolean>({ max: 1_000 })

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

export function responseKey (request: RequestLike): { key: string; request: ReplayableRequest } | undefined {
  if (request.method === 'GET') return { key: `h:GET:${request.url}`, request: { method: 'GET', url: request.url } }
  if (request.method !== 'POST') return undefined
  const body = request.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined
  if (typeof body?.query !== 'string' || !isQueryOnly(body.query)) return undefined
  const canonical = stableStringify({ query: body.query, variables: body.variables ?? null, operationName: body.operationName ?? null })
  return { key: `h:POST:${request.url}:${digest(canonical)}`, request: { method: 'POST', url: request.url, body: canonical } }
}
