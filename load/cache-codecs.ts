/**
 * Codec choice for L2 values (issue 4 §4): compresses real gateway responses with Node's zlib at
 * low levels and reports ratio and speed. Needs DATABASE_URL (a seeded gateway database).
 *
 *   DATABASE_URL=… tsx load/cache-codecs.ts
 */
import Fastify from 'fastify'
import { performance } from 'node:perf_hooks'
import { app as gatewayApp } from '../src/app.js'
import { appOptions } from '../src/app-options.js'
import { loadConfig } from '../src/config/load.js'
import { compress, decompress, type Codec } from '../src/cache/codec.js'

const CANDIDATES: Array<{ codec: Codec; level: number }> = [
  { codec: 'gzip', level: 1 }, { codec: 'deflate', level: 1 }, { codec: 'br', level: 1 },
  { codec: 'gzip', level: 6 }, { codec: 'br', level: 4 }
]

function time (fn: () => void, minMs = 200): number {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < minMs) { fn(); n++ }
  return ((performance.now() - start) * 1000) / n
}

async function main (): Promise<void> {
  const { config } = loadConfig({ env: { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'silent', CACHE_ENABLED: 'false' } })
  const app = Fastify(appOptions(config))
  await app.register(gatewayApp, { config })
  await app.ready()
  const someUser = (await app.inject({ url: '/users?limit=1' })).json().items[0].id as number
  const someApp = (await app.inject({ url: '/applications?limit=1' })).json().items[0].id as number
  const someUni = (await app.inject({ url: '/universities?limit=1' })).json().items[0].id as number
  const gql = { query: '{ universities(first: 20) { items { id name programs { id name degree } } } }' }
  const bodies: Record<string, string> = {
    'GET /users?limit=100': (await app.inject({ url: '/users?limit=100' })).body,
    'GET /universities?limit=100': (await app.inject({ url: '/universities?limit=100' })).body,
    [`GET /universities/${someUni}`]: (await app.inject({ url: `/universities/${someUni}` })).body,
    [`GET /applications/${someApp}`]: (await app.inject({ url: `/applications/${someApp}` })).body,
    [`GET /users/${someUser}/notifications?limit=50`]: (await app.inject({ url: `/users/${someUser}/notifications?limit=50` })).body,
    'GET /audit-logs?limit=100': (await app.inject({ url: '/audit-logs?limit=100' })).body,
    'POST /graphql (20 universities + programs)': (await app.inject({ method: 'POST', url: '/graphql', payload: gql })).body
  }
  await app.close()

  const totals = new Map<string, { raw: number; out: number; cUs: number; dUs: number }>()
  console.log('| response | bytes | codec | ratio | compress µs | decompress µs |')
  console.log('|---|---:|---|---:|---:|---:|')
  for (const [name, body] of Object.entries(bodies)) {
    const raw = Buffer.from(body)
    for (const { codec, level } of CANDIDATES) {
      const out = compress(raw, codec, level)
      if (decompress(out, codec).toString() !== body) throw new Error(`${codec} did not round-trip`)
      const cUs = time(() => compress(raw, codec, level))
      const dUs = time(() => decompress(out, codec))
      const label = `${codec}-${level}`
      const t = totals.get(label) ?? { raw: 0, out: 0, cUs: 0, dUs: 0 }
      totals.set(label, { raw: t.raw + raw.length, out: t.out + out.length, cUs: t.cUs + cUs, dUs: t.dUs + dUs })
      console.log(`| ${name} | ${raw.length} | ${label} | ${(out.length / raw.length).toFixed(3)} | ${cUs.toFixed(0)} | ${dUs.toFixed(0)} |`)
    }
  }
  console.log('\n| codec | total ratio | compress MB/s | decompress MB/s (of raw) |')
  console.log('|---|---:|---:|---:|')
  for (const [label, t] of totals) {
    console.log(`| ${label} | ${(t.out / t.raw).toFixed(3)} | ${(t.raw / t.cUs).toFixed(0)} | ${(t.raw / t.dUs).toFixed(0)} |`)
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
