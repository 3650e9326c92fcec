import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildSchema, parse } from 'graphql'
import { buildTestApp } from '../helpers/app.js'
import { schemaText } from '../../schema/index.js'
import { checkLimits } from '../../schema/limits.js'

/** `depth` fragments, each spreading the next twice: 2^depth copies of the innermost selection. */
function doublingFragments (depth: number): string {
  let text = 'query { ...F0 }\n'
  for (let i = 0; i < depth; i++) text += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`
  return `${text}fragment F${depth} on Query { users { items { id } } }\n`
}

test('cost limit: fragments are costed once each (same figures as expanding them)', () => {
  const schema = buildSchema(schemaText)
  const errors = checkLimits(schema, parse(doublingFragments(10)), {}, 10_000)
  // users (20) + its items (0) = 20 per copy, 2^10 copies.
  assert.equal(errors[0]?.message, 'Query is too complex: estimated cost 20480 exceeds the limit of 10000')
  assert.deepEqual(checkLimits(schema, parse(doublingFragments(8)), {}, 10_000), [], '5120 is within the limit')
})

test('cost limit: a small document of doubling fragments is rejected at once, not walked 2^n times', { timeout: 30_000 }, async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query: doublingFragments(40) }, headers: { accept: 'application/graphql-response+json' } })
  assert.equal(res.statusCode, 400, res.body)
  assert.equal(res.json().errors[0].extensions.code, 'GW_ERR_GRAPHQL_TOO_COMPLEX')
})
