/** GraphQL over HTTP's media types: which one a request's Accept header prefers. */
export const GRAPHQL_RESPONSE = 'application/graphql-response+json'

/** Whether the client asked for `application/graphql-response+json` ahead of `application/json`. */
export function acceptsGraphqlResponse (accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false
  let best: { type: string; q: number } | undefined
  for (const part of (Array.isArray(accept) ? accept.join(',') : accept).split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';')
    if (type !== GRAPHQL_RESPONSE && type !== 'application/json') continue
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    if (best === undefined || q > best.q) best = { type: type!, q }
  }
  return best?.type === GRAPHQL_RESPONSE
}
