/**
 * Responses match their documented schemas: real responses of the main GET routes (public and
 * admin) validated with Ajv against the 200 schema the OpenAPI document gives for them.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { adminHeaders, buildTestApp } from '../helpers/app.js'

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: { schemas?: Record<string, unknown> } }

/** OpenAPI 3.0 `nullable` → JSON Schema, recursively; `$ref`s stay (resolved through the components). */
function jsonSchema (s: unknown): unknown {
  if (Array.isArray(s)) return s.map(jsonSchema)
  if (s === null || typeof s !== 'object') return s
  const o = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'nullable' && k !== 'example').map(([k, v]) => [k, jsonSchema(v)]))
  return (s as { nullable?: boolean }).nullable === true ? { anyOf: [o, { type: 'null' }] } : o
}

test('responses of the documented GET routes validate against their OpenAPI 200 schemas', async (t) => {
  const app = await buildTestApp(t)
  const doc = (await app.inject({ url: '/docs/json' })).json() as Doc
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  for (const [name, schema] of Object.entries(doc.components.schemas ?? {})) ajv.addSchema(jsonSchema(schema) as object, `#/components/schemas/${name}`)

  const app1 = ((await app.inject({ url: '/applications?limit=1' })).json().items as Array<{ id: number }>)[0]!.id
  const cases: Array<[path: string, url: string, admin?: boolean]> = [
    ['/users', '/users?limit=3'], ['/users/{id}', '/users/1'], ['/users/{id}/applications', '/users/1/applications'],
    ['/users/{id}/notifications', '/users/1/notifications'], ['/users/{id}/events', '/users/1/events'],
    ['/universities', '/universities?limit=3'], ['/universities/{id}', '/universities/1'], ['/universities/{id}/stats', '/universities/1/stats'],
    ['/applications', '/applications?limit=3'], ['/applications/{id}', `/applications/${app1}`], ['/audit-logs', '/audit-logs?limit=3'],
    ['/admin/health', '/admin/health', true], ['/admin/metrics', '/admin/metrics', true], ['/admin/partitions', '/admin/partitions', true],
    ['/admin/cache/stats', '/admin/cache/stats', true], ['/admin/alerts', '/admin/alerts', true], ['/admin/slow-queries', '/admin/slow-queries', true],
    ['/admin/indexes', '/admin/indexes?limit=5', true], ['/admin/maintenance', '/admin/maintenance', true], ['/admin/reports', '/admin/reports', true]
  ]
  const problems: string[] = []
  for (const [p, url, admin] of cases) {
    const op = doc.paths[p]?.get
    assert.ok(op, `${p} is documented`)
    const schema = op.responses['200']?.content?.['application/json']?.schema
    assert.ok(schema, `${p} documents a 200 JSON schema`)
    const res = await app.inject({ url, ...(admin === true ? { headers: adminHeaders } : {}) })
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
    const validate = ajv.compile(jsonSchema(schema) as object)
    if (!validate(res.json())) problems.push(`${url}: ${ajv.errorsText(validate.errors)}`)
  }
  assert.deepEqual(problems, [])
})
