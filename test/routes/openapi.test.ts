import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { operationIdOf } from '../../plugins/swagger.js'

interface Operation { operationId?: string; summary?: string; security?: Array<Record<string, string[]>>; responses: Record<string, unknown> }

test('operation ids are derived from method and path', () => {
  assert.equal(operationIdOf('GET', '/users/:id/notifications'), 'getUsersByIdNotifications')
  assert.equal(operationIdOf('POST', '/admin/cache/invalidate'), 'postAdminCacheInvalidate')
  assert.equal(operationIdOf('GET', '/audit-logs'), 'getAuditLogs')
  assert.equal(operationIdOf('GET', '/admin/performance/assets/{file}'), 'getAdminPerformanceAssetsByFile')
})

test('the OpenAPI document: every operation has a unique operationId and a summary, says who may call it, documents its 4xx; no internal routes', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ url: '/docs/json' })
  assert.equal(res.statusCode, 200)
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } }
  assert.match(doc.openapi, /^3\./)
  assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/graphiql')), [], 'GraphiQL assets are not API')
  const ids = new Set<string>()
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`
      assert.ok(op.operationId, `${where} has an operationId`)
      assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`)
      ids.add(op.operationId)
      assert.ok(op.summary, `${where} has a summary`)
      assert.ok(Array.isArray(op.security), `${where} declares its security (public: [])`)
      for (const req of op.security) for (const scheme of Object.keys(req)) assert.ok(doc.components.securitySchemes[scheme], `${where}: ${scheme} is declared`)
      if (op.security.some((r) => Object.keys(r).length > 0)) assert.ok(op.responses['401'], `${where} documents its 401`)
      if (path.startsWith('/admin/') && path !== '/admin/performance' && !path.startsWith('/admin/performance/assets')) {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${where} is an admin route`)
      }
      if (['/users', '/users/{id}', '/universities', '/applications'].includes(path)) {
        assert.deepEqual(op.security, [], `${where} is public`)
        assert.ok(op.responses['400'], `${where} documents its 400`)
      }
    }
  }
  assert.ok(ids.has('postGraphql') && ids.has('getGraphql'))
  assert.equal(doc.paths['/graphql']!.post!.summary, 'GraphQL over HTTP')
})

test('the OpenAPI document passes Redocly\'s recommended rules with no error', async (t) => {
  const { createConfig, lintFromString } = await import('@redocly/openapi-core')
  const app = await buildTestApp(t)
  const source = (await app.inject({ url: '/docs/json' })).body
  const config = await createConfig({ extends: ['recommended'] })
  const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config })
  const errors = problems.filter((p) => p.severity === 'error')
  const show = (list: typeof problems) => list.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`).join('\n')
  assert.deepEqual(errors, [], show(errors))
  // Warnings are allowed but listed, so they do not pile up unseen.
  if (problems.length > 0) t.diagnostic(`${problems.length} warning(s):\n${show(problems).slice(0, 4000)}`)
})
