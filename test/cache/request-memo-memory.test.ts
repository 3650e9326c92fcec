import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { HotKeys } from '../../src/cache/hot-keys.js'
import { isQueryOnly, replayableSize, responseKey, type ReplayableRequest } from '../../src/cache/response-key.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapMb = (): number => { gc(); gc(); return process.memoryUsage().heapUsed / 2 ** 20 }

test('response cache: what it remembers about GraphQL requests (query kinds, hot requests) is bounded in bytes, not only in count', () => {
  const hot = new HotKeys<ReplayableRequest>(500, replayableSize) // as plugins/response-cache.ts makes it
  const padding = 'x'.repeat(256 * 1024)
  const before = heapMb()
  // 400 distinct query-only documents of 256 KiB each (well under BODY_LIMIT): ~100 MiB of text.
  for (let i = 0; i < 400; i++) {
    const r = responseKey({ method: 'POST', url: '/graphql', body: { query: `# ${i} ${padding}\n{ __typename }` } })!
    assert.equal(isQueryOnly(`# ${i} ${padding}\n{ __typename }`), true)
    hot.touch(r.key, () => r.request)
  }
  const grown = heapMb() - before
  assert.ok(grown < 30, `heap grew by ${grown.toFixed(1)} MiB`)
  assert.ok(hot.takeTop(20).length > 0, 'recent requests are still remembered')
})
