import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { errors, gatewayError, isGatewayError } from '../../src/errors.js'

test('every error code is documented in docs/errors.md', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  for (const code of Object.keys(errors)) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`)
})

test('catalogue keys equal codes and statuses are client or server errors', () => {
  for (const [key, Ctor] of Object.entries(errors)) {
    const err = new Ctor('x')
    assert.equal(err.code, key)
    assert.ok(err.statusCode >= 400 && err.statusCode < 600)
    assert.ok(isGatewayError(err))
  }
  const e = gatewayError('GW_ERR_NOT_FOUND', 'User 5 not found', { id: 5 })
  assert.equal(e.message, 'User 5 not found')
  assert.deepEqual(e.details, { id: 5 })
  assert.equal(isGatewayError(new Error('plain')), false)
})
