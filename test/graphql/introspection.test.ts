import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildClientSchema, getIntrospectionQuery, printSchema, buildSchema } from 'graphql'
import { buildTestApp } from '../helpers/app.js'
import { schemaText } from '../../schema/index.js'

const post = async (app: Awaited<ReturnType<typeof buildTestApp>>, query: string) => {
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query }, headers: { accept: 'application/graphql-response+json' } })
  return { statusCode: res.statusCode, body: res.json() as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> } }
}

test('the standard introspection query (GraphiQL, codegen) passes the default limits and rebuilds the schema', async (t) => {
  const app = await buildTestApp(t)
  // What GraphiQL 3+ sends: every option on (depth 14 through the TypeRef ofType chain).
  const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true })
  const res = await post(app, query)
  assert.equal(res.statusCode, 200, JSON.stringify(res.body.errors))
  assert.equal(res.body.errors, undefined)
  const rebuilt = buildClientSchema(res.body.data as Parameters<typeof buildClientSchema>[0])
  assert.equal(printSchema(rebuilt), printSchema(buildSchema(schemaText)), 'the whole schema came back')
  // GET works too (GraphiQL may use it); the text is within GRAPHQL_MAX_QUERY_LENGTH.
  const get = await app.inject({ url: `/graphql?query=${encodeURIComponent(query)}` })
  assert.equal(get.statusCode, 200, get.body)
})

test('the limits still stop abusive queries, introspection included', async (t) => {
  const app = await buildTestApp(t)
  const deep = await post(app, '{ applications { items { user { applications { items { user { applications { items { user { id } } } } } } } } } }')
  assert.equal(deep.statusCode, 400)
  assert.equal(deep.body.errors?.[0]?.extensions.code, 'GW_ERR_GRAPHQL_TOO_COMPLEX')
  assert.match(deep.body.errors![0]!.message, /maximum depth is 8/)
  // Introspection hidden inside a fragment does not escape the data depth limit of the rest.
  const mixed = await post(app, '{ __schema { queryType { name } } applications { items { user { applications { items { user { applications { items { user { id } } } } } } } } } }')
  assert.equal(mixed.statusCode, 400)
  // types → fields → type → fields → type → fields: exponential in its depth, refused (graphql-js'
  // MaxIntrospectionDepthRule).
  const nested = await post(app, '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')
  assert.equal(nested.statusCode, 400, JSON.stringify(nested.body))
  assert.equal(nested.body.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION', JSON.stringify(nested.body))
  assert.match(nested.body.errors![0]!.message, /Maximum introspection depth exceeded/)
  const viaFragment = await post(app, 'query { __type(name: "User") { ...F } } fragment F on __Type { fields { type { fields { type { fields { type { fields { name } } } } } } } }')
  assert.equal(viaFragment.statusCode, 400)
  const ok = await post(app, '{ __type(name: "User") { fields { name type { name kind ofType { name } } } } }')
  assert.equal(ok.statusCode, 200, JSON.stringify(ok.body))
})

test('GRAPHQL_INTROSPECTION=false refuses introspection and nothing else', async (t) => {
  const app = await buildTestApp(t, { env: { GRAPHQL_INTROSPECTION: 'false' } })
  const res = await post(app, getIntrospectionQuery())
  assert.equal(res.statusCode, 400)
  assert.equal(res.body.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
  assert.match(res.body.errors![0]!.message, /introspection has been disabled/)
  const typename = await post(app, '{ users(first: 1) { __typename items { id } } }')
  assert.equal(typename.statusCode, 200, JSON.stringify(typename.body))
})
